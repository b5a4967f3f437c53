import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { provenanceProperties } from '../../src/shared/provenance.js';

const p = defineEntity.properties;

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
    awcCode: p.string().fieldName('awc_code').unique(),
    cityCode: p.string().fieldName('city_code'),
    wardCode: p.string().fieldName('ward_code'),
    anganwadiWorkerName: p.string().fieldName('anganwadi_worker_name'),
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
    workerId: p.string().fieldName('worker_id'),
    centreId: p.string().fieldName('centre_id'),
    beneficiaryType: p.enum([...BENEFICIARY_TYPES]).fieldName('beneficiary_type'),
    beneficiaryName: p.string().fieldName('beneficiary_name'),
    relationToWorker: p.enum([...RELATIONS]).fieldName('relation_to_worker'),
    dateOfBirth: p.date().fieldName('date_of_birth').nullable(),
    expectedDeliveryDate: p.date().fieldName('expected_delivery_date').nullable(),
    deliveryDate: p.date().fieldName('delivery_date').nullable(),
    enrolledOn: p.date().fieldName('enrolled_on'),
    status: p.enum([...ENROLMENT_STATUSES]),
    exitedOn: p.date().fieldName('exited_on').nullable(),
    pmmvyInstalmentsPaid: p.integer().fieldName('pmmvy_instalments_paid').nullable(),
    ...provenanceProperties,
  },
});
export type IcdsEnrolment = InferEntity<typeof IcdsEnrolmentSchema>;

/** Labour owns workers: ICDS knows one only by its id. */
export interface WorkerReference {
  id: string;
}

export const entities = [AnganwadiCentreSchema, IcdsEnrolmentSchema];
