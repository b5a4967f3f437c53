import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { provenanceProperties } from '../../src/shared/provenance.js';

const p = defineEntity.properties;

/**
 * A worker's enrolment in a __TITLE__ programme (scaffolded example: replace it with the
 * agency's own records, keeping the provenance columns). The enrolment carries its own city, so
 * the jurisdiction filter is a plain condition on `city_code`.
 */
export const __PASCAL__EnrolmentSchema = defineEntity({
  name: '__PASCAL__Enrolment',
  tableName: '__SNAKE___enrolment',
  properties: {
    id: p.string().primary(),
    /** Labour's worker id; Labour's database is elsewhere, so no foreign key. */
    workerId: p.string().fieldName('worker_id'),
    programme: p.string(),
    /** ULB code, e.g. `VJA`: where the enrolment is held, and what jurisdictions are checked against. */
    cityCode: p.string().fieldName('city_code'),
    enrolledOn: p.date().fieldName('enrolled_on'),
    /** Sensitive: see the `@access` policy on `__PASCAL__Enrolment.reference` in schema.graphql. */
    reference: p.string(),
    ...provenanceProperties,
  },
});
export type __PASCAL__Enrolment = InferEntity<typeof __PASCAL__EnrolmentSchema>;

export const entities = [__PASCAL__EnrolmentSchema];
