import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { provenanceProperties } from '../../src/shared/provenance.js';


export const VEHICLE_CLASSES = ['MCWG', 'LMV', 'LMV_TR', 'THREE_WHEELER_TR', 'E_RICKSHAW'] as const;
export type VehicleClass = (typeof VEHICLE_CLASSES)[number];
export const PERMIT_TYPES = ['AUTO_RICKSHAW_CONTRACT_CARRIAGE', 'E_RICKSHAW', 'GOODS_CARRIAGE'] as const;

export const AutoStandSchema = defineEntity({
  name: 'AutoStand',
  tableName: 'auto_stand',
  properties: {
    id: p.string().primary(),
    name: p.string(),
    cityCode: p.string(),
    wardCode: p.string(),
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
    licenceNumber: p.string().primary(),
    workerId: p.string(),
    // A typed text[]: `p.enum(...).array()` fails metadata discovery in MikroORM 6.6.16. The
    // migration's check constraint holds the values to VEHICLE_CLASSES.
    vehicleClasses: p.array<VehicleClass>(),
    issuedOn: p.date(),
    validUntil: p.date(),
    issuingRto: p.string(),
    suspended: p.boolean(),
    ...provenanceProperties,
  },
});
export type DrivingLicence = InferEntity<typeof DrivingLicenceSchema>;

export const PsvBadgeSchema = defineEntity({
  name: 'PsvBadge',
  tableName: 'psv_badge',
  properties: {
    badgeNumber: p.string().primary(),
    workerId: p.string(),
    licenceNumber: p.string(),
    issuedOn: p.date(),
    validUntil: p.date(),
    suspended: p.boolean(),
    ...provenanceProperties,
  },
});
export type PsvBadge = InferEntity<typeof PsvBadgeSchema>;

export const VehiclePermitSchema = defineEntity({
  name: 'VehiclePermit',
  tableName: 'vehicle_permit',
  properties: {
    permitNumber: p.string().primary(),
    workerId: p.string(),
    vehicleRegistration: p.string(),
    permitType: p.enum([...PERMIT_TYPES]),
    autoStandId: p.string().nullable(),
    issuedOn: p.date(),
    validUntil: p.date(),
    suspended: p.boolean(),
    ...provenanceProperties,
  },
});
export type VehiclePermit = InferEntity<typeof VehiclePermitSchema>;

export const entities = [AutoStandSchema, DrivingLicenceSchema, PsvBadgeSchema, VehiclePermitSchema];
