import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { provenanceProperties } from '../../src/shared/provenance.js';

const p = defineEntity.properties;

export const VEHICLE_CLASSES = ['MCWG', 'LMV', 'LMV_TR', 'THREE_WHEELER_TR', 'E_RICKSHAW'] as const;
export type VehicleClass = (typeof VEHICLE_CLASSES)[number];
export const PERMIT_TYPES = ['AUTO_RICKSHAW_CONTRACT_CARRIAGE', 'E_RICKSHAW', 'GOODS_CARRIAGE'] as const;

export const AutoStandSchema = defineEntity({
  name: 'AutoStand',
  tableName: 'auto_stand',
  properties: {
    id: p.string().primary(),
    name: p.string(),
    cityCode: p.string().fieldName('city_code'),
    wardCode: p.string().fieldName('ward_code'),
    capacity: p.integer(),
    ...provenanceProperties,
  },
});
export type AutoStand = InferEntity<typeof AutoStandSchema>;

/**
 * Licences, badges and permits store only whether the RTO suspended them: EXPIRED follows from
 * validUntil and today, so it is derived when read and never goes stale.
 */
export const DrivingLicenceSchema = defineEntity({
  name: 'DrivingLicence',
  tableName: 'driving_licence',
  properties: {
    licenceNumber: p.string().primary().fieldName('licence_number'),
    workerId: p.string().fieldName('worker_id'),
    // A typed text[]: `p.enum(...).array()` fails metadata discovery in MikroORM 6.6.16. The
    // migration's check constraint holds the values to VEHICLE_CLASSES.
    vehicleClasses: p.array<VehicleClass>().fieldName('vehicle_classes'),
    issuedOn: p.date().fieldName('issued_on'),
    validUntil: p.date().fieldName('valid_until'),
    issuingRto: p.string().fieldName('issuing_rto'),
    suspended: p.boolean(),
    ...provenanceProperties,
  },
});
export type DrivingLicence = InferEntity<typeof DrivingLicenceSchema>;

export const PsvBadgeSchema = defineEntity({
  name: 'PsvBadge',
  tableName: 'psv_badge',
  properties: {
    badgeNumber: p.string().primary().fieldName('badge_number'),
    workerId: p.string().fieldName('worker_id'),
    licenceNumber: p.string().fieldName('licence_number'),
    issuedOn: p.date().fieldName('issued_on'),
    validUntil: p.date().fieldName('valid_until'),
    suspended: p.boolean(),
    ...provenanceProperties,
  },
});
export type PsvBadge = InferEntity<typeof PsvBadgeSchema>;

export const VehiclePermitSchema = defineEntity({
  name: 'VehiclePermit',
  tableName: 'vehicle_permit',
  properties: {
    permitNumber: p.string().primary().fieldName('permit_number'),
    workerId: p.string().fieldName('worker_id'),
    vehicleRegistration: p.string().fieldName('vehicle_registration'),
    permitType: p.enum([...PERMIT_TYPES]).fieldName('permit_type'),
    autoStandId: p.string().fieldName('auto_stand_id').nullable(),
    issuedOn: p.date().fieldName('issued_on'),
    validUntil: p.date().fieldName('valid_until'),
    suspended: p.boolean(),
    ...provenanceProperties,
  },
});
export type VehiclePermit = InferEntity<typeof VehiclePermitSchema>;

/** Workers are Labour's: this subgraph knows them only by key. */
export interface WorkerKey {
  id: string;
}

export const entities = [AutoStandSchema, DrivingLicenceSchema, PsvBadgeSchema, VehiclePermitSchema];
