import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { provenanceProperties } from '../../src/shared/provenance.js';


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
    cityCode: p.string(),
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
    cityCode: p.string(),
    wardCode: p.string(),
    zoneType: p.enum([...ZONE_TYPES]),
    capacity: p.integer(),
    ...provenanceProperties,
  },
});
export type VendingZone = InferEntity<typeof VendingZoneSchema>;

export const VendingCertificateSchema = defineEntity({
  name: 'VendingCertificate',
  tableName: 'vending_certificate',
  properties: {
    certificateNumber: p.string().primary(),
    workerId: p.string(),
    vendingZoneId: p.string(),
    category: p.enum([...VENDING_CATEGORIES]),
    goods: p.string(),
    issuedOn: p.date(),
    validUntil: p.date(),
    status: p.enum([...RECORDED_STATUSES]),
    ...provenanceProperties,
  },
});
export type VendingCertificate = InferEntity<typeof VendingCertificateSchema>;

export const TradeLicenceSchema = defineEntity({
  name: 'TradeLicence',
  tableName: 'trade_licence',
  properties: {
    licenceNumber: p.string().primary(),
    workerId: p.string(),
    tradeName: p.string(),
    tradeCategory: p.enum([...TRADE_CATEGORIES]),
    wardCode: p.string(),
    issuedOn: p.date(),
    validUntil: p.date(),
    status: p.enum([...RECORDED_STATUSES]),
    ...provenanceProperties,
  },
});
export type TradeLicence = InferEntity<typeof TradeLicenceSchema>;

export const SanitationWorkerIdSchema = defineEntity({
  name: 'SanitationWorkerId',
  tableName: 'sanitation_worker_id',
  properties: {
    idNumber: p.string().primary(),
    workerId: p.string().unique(),
    employer: p.string(),
    wardCode: p.string(),
    issuedOn: p.date(),
    ...provenanceProperties,
  },
});
export type SanitationWorkerId = InferEntity<typeof SanitationWorkerIdSchema>;

export const SVANIDHI_LOAN_STATUSES = ['SANCTIONED', 'DISBURSED', 'REPAID', 'OVERDUE'] as const;
export type SvanidhiLoanStatus = (typeof SVANIDHI_LOAN_STATUSES)[number];

/** A PM SVANidhi working-capital loan, sanctioned to a street vendor against a vending certificate. */
export const SvanidhiLoanSchema = defineEntity({
  name: 'SvanidhiLoan',
  tableName: 'svanidhi_loan',
  properties: {
    id: p.string().primary(),
    workerId: p.string(),
    /** The certificate the loan was sanctioned against: the loan lies in its zone's city. */
    certificateNumber: p.string(),
    tranche: p.integer(),
    /** In rupees, fixed by the tranche (SVANIDHI_TRANCHES). */
    amount: p.integer(),
    sanctionedOn: p.date(),
    status: p.enum([...SVANIDHI_LOAN_STATUSES]),
    ...provenanceProperties,
  },
});
export type SvanidhiLoan = InferEntity<typeof SvanidhiLoanSchema>;

/**
 * PM SVANidhi's three tranches (MoHUA operational guidelines): what each lends, and the months the
 * vendor has to repay it. A tranche is sanctioned once the one before it is repaid.
 */
export const SVANIDHI_TRANCHES = [
  { tranche: 1, amount: 10_000, months: 12 },
  { tranche: 2, amount: 20_000, months: 18 },
  { tranche: 3, amount: 50_000, months: 36 },
] as const;

export const entities = [WardSchema, VendingZoneSchema, VendingCertificateSchema, TradeLicenceSchema, SanitationWorkerIdSchema, SvanidhiLoanSchema];
