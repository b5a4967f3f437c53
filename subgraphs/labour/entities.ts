import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { provenanceProperties } from '../../src/shared/provenance.js';
import { OCCUPATIONS } from '../../src/shared/reference/index.js';


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
    dateOfBirth: p.date(),
    /** Ten digits, no prefix: the form look-ups compare against. */
    phone: p.string().unique(),
    idToken: p.string(),
    idLast4: p.string(),
    occupation: p.enum([...OCCUPATIONS]),
    ncoCode: p.string(),
    cityCode: p.string(),
    wardCode: p.string(),
    registeredOn: p.date(),
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
    workerId: p.string(),
    scheme: p.enum([...SCHEMES]),
    status: p.enum([...ENROLMENT_STATUSES]),
    enrolledOn: p.date(),
    schemeReference: p.string(),
    ...provenanceProperties,
  },
});
export type SocialSecurityEnrolment = InferEntity<typeof SocialSecurityEnrolmentSchema>;

export const entities = [WorkerSchema, SocialSecurityEnrolmentSchema];
