import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { provenanceProperties } from '../../src/shared/provenance.js';
import { OCCUPATIONS } from '../../src/shared/demo/population.js';

const p = defineEntity.properties;

export const GENDERS = ['FEMALE', 'MALE', 'TRANSGENDER'] as const;
export const SCHEMES = ['PM_SYM', 'PMSBY', 'PMJJBY', 'BOCW', 'APY'] as const;
export const ENROLMENT_STATUSES = ['ACTIVE', 'LAPSED', 'CLOSED'] as const;

export const WorkerSchema = defineEntity({
  name: 'Worker',
  tableName: 'worker',
  properties: {
    id: p.string().primary(),
    name: p.string(),
    gender: p.enum([...GENDERS]),
    dateOfBirth: p.date().fieldName('date_of_birth'),
    /** Ten digits, no prefix: the form look-ups compare against. */
    phone: p.string().unique(),
    idToken: p.string().fieldName('id_token'),
    idLast4: p.string().fieldName('id_last4'),
    occupation: p.enum([...OCCUPATIONS]),
    ncoCode: p.string().fieldName('nco_code'),
    cityCode: p.string().fieldName('city_code'),
    wardCode: p.string().fieldName('ward_code'),
    registeredOn: p.date().fieldName('registered_on'),
    eShramUan: p.string().fieldName('eshram_uan').nullable(),
    ...provenanceProperties,
  },
});
export type Worker = InferEntity<typeof WorkerSchema>;

export const SocialSecurityEnrolmentSchema = defineEntity({
  name: 'SocialSecurityEnrolment',
  tableName: 'social_security_enrolment',
  properties: {
    id: p.string().primary(),
    workerId: p.string().fieldName('worker_id'),
    scheme: p.enum([...SCHEMES]),
    status: p.enum([...ENROLMENT_STATUSES]),
    enrolledOn: p.date().fieldName('enrolled_on'),
    schemeReference: p.string().fieldName('scheme_reference'),
    ...provenanceProperties,
  },
});
export type SocialSecurityEnrolment = InferEntity<typeof SocialSecurityEnrolmentSchema>;

export const entities = [WorkerSchema, SocialSecurityEnrolmentSchema];
