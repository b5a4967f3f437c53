import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { provenanceProperties } from '../../src/shared/provenance.js';


export const BENEFICIARY_TYPES = ['PREGNANT_WOMAN', 'LACTATING_MOTHER', 'CHILD'] as const;
export const RELATIONS = ['SELF', 'SPOUSE', 'CHILD'] as const;
export const ENROLMENT_STATUSES = ['ACTIVE', 'EXITED'] as const;

export type BeneficiaryType = (typeof BENEFICIARY_TYPES)[number];
export type Relation = (typeof RELATIONS)[number];

export const AnganwadiCentreSchema = defineEntity({
  name: 'AnganwadiCentre',
  tableName: 'anganwadi_centre',
  properties: {
    id: p.string().primary(),
    name: p.string(),
    awcCode: p.string().unique(),
    cityCode: p.string(),
    wardCode: p.string(),
    anganwadiWorkerName: p.string(),
    ...provenanceProperties,
  },
});
export type AnganwadiCentre = InferEntity<typeof AnganwadiCentreSchema>;

/** Children's and maternal data: see the access note in schema.graphql. */
export const IcdsEnrolmentSchema = defineEntity({
  name: 'IcdsEnrolment',
  tableName: 'icds_enrolment',
  properties: {
    id: p.string().primary(),
    /** Labour's worker id; Labour's database is elsewhere, so no foreign key. */
    workerId: p.string(),
    centreId: p.string(),
    beneficiaryType: p.enum([...BENEFICIARY_TYPES]),
    beneficiaryName: p.string(),
    relationToWorker: p.enum([...RELATIONS]),
    dateOfBirth: p.date().nullable(),
    expectedDeliveryDate: p.date().nullable(),
    deliveryDate: p.date().nullable(),
    enrolledOn: p.date(),
    status: p.enum([...ENROLMENT_STATUSES]),
    exitedOn: p.date().nullable(),
    pmmvyInstalmentsPaid: p.integer().nullable(),
    ...provenanceProperties,
  },
});
export type IcdsEnrolment = InferEntity<typeof IcdsEnrolmentSchema>;

export const entities = [AnganwadiCentreSchema, IcdsEnrolmentSchema];
