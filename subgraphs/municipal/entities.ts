import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { provenanceProperties } from '../../src/shared/provenance.js';

const p = defineEntity.properties;

export const ZONE_TYPES = ['VENDING', 'RESTRICTED_VENDING', 'NO_VENDING'] as const;
export const VENDING_CATEGORIES = ['STATIONARY', 'MOBILE'] as const;
/** What a clerk records; EXPIRED is read off the valid-until date instead. */
export const RECORDED_STATUSES = ['ACTIVE', 'SUSPENDED', 'CANCELLED'] as const;
export type RecordedStatus = (typeof RECORDED_STATUSES)[number];
export const TRADE_CATEGORIES = [
  'FOOD_AND_BEVERAGES', 'GENERAL_STORE', 'FRUITS_VEGETABLES_AND_FLOWERS', 'TAILORING_AND_GARMENTS',
  'HANDICRAFTS', 'FOOD_PROCESSING', 'REPAIR_SERVICES',
] as const;
export type TradeCategory = (typeof TRADE_CATEGORIES)[number];

export const WardSchema = defineEntity({
  name: 'Ward',
  tableName: 'ward',
  properties: {
    code: p.string().primary(),
    number: p.integer(),
    name: p.string(),
    locality: p.string(),
    cityCode: p.string().fieldName('city_code'),
    ...provenanceProperties,
  },
});
export type Ward = InferEntity<typeof WardSchema>;

export const VendingZoneSchema = defineEntity({
  name: 'VendingZone',
  tableName: 'vending_zone',
  properties: {
    id: p.string().primary(),
    name: p.string(),
    cityCode: p.string().fieldName('city_code'),
    wardCode: p.string().fieldName('ward_code'),
    zoneType: p.enum([...ZONE_TYPES]).fieldName('zone_type'),
    capacity: p.integer(),
    ...provenanceProperties,
  },
});
export type VendingZone = InferEntity<typeof VendingZoneSchema>;

export const VendingCertificateSchema = defineEntity({
  name: 'VendingCertificate',
  tableName: 'vending_certificate',
  properties: {
    certificateNumber: p.string().primary().fieldName('certificate_number'),
    workerId: p.string().fieldName('worker_id'),
    vendingZoneId: p.string().fieldName('vending_zone_id'),
    category: p.enum([...VENDING_CATEGORIES]),
    goods: p.string(),
    issuedOn: p.date().fieldName('issued_on'),
    validUntil: p.date().fieldName('valid_until'),
    status: p.enum([...RECORDED_STATUSES]),
    ...provenanceProperties,
  },
});
export type VendingCertificate = InferEntity<typeof VendingCertificateSchema>;

export const TradeLicenceSchema = defineEntity({
  name: 'TradeLicence',
  tableName: 'trade_licence',
  properties: {
    licenceNumber: p.string().primary().fieldName('licence_number'),
    workerId: p.string().fieldName('worker_id'),
    tradeName: p.string().fieldName('trade_name'),
    tradeCategory: p.enum([...TRADE_CATEGORIES]).fieldName('trade_category'),
    wardCode: p.string().fieldName('ward_code'),
    issuedOn: p.date().fieldName('issued_on'),
    validUntil: p.date().fieldName('valid_until'),
    status: p.enum([...RECORDED_STATUSES]),
    ...provenanceProperties,
  },
});
export type TradeLicence = InferEntity<typeof TradeLicenceSchema>;

export const SanitationWorkerIdSchema = defineEntity({
  name: 'SanitationWorkerId',
  tableName: 'sanitation_worker_id',
  properties: {
    idNumber: p.string().primary().fieldName('id_number'),
    workerId: p.string().fieldName('worker_id').unique(),
    employer: p.string(),
    wardCode: p.string().fieldName('ward_code'),
    issuedOn: p.date().fieldName('issued_on'),
    ...provenanceProperties,
  },
});
export type SanitationWorkerId = InferEntity<typeof SanitationWorkerIdSchema>;

/** Municipal knows a worker only by Labour's key; Labour answers everything else about them. */
export interface WorkerReference {
  id: string;
}

export const entities = [WardSchema, VendingZoneSchema, VendingCertificateSchema, TradeLicenceSchema, SanitationWorkerIdSchema];
