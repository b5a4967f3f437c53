import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { provenanceProperties } from '../../src/shared/provenance.js';
import { CIG_ROLES, OCCUPATIONS } from '../../src/shared/reference/index.js';

/** MEPMA's own categories (its schema's WorkLocationKind); the demo's CIGs must fit them, as seed.ts's types check. */
export const WORK_LOCATION_KINDS = [
  'AUTO_STAND', 'DELIVERY_HUB', 'RESIDENTIAL_CLUSTER', 'WASTE_COLLECTION_POINT', 'LABOUR_ADDA', 'VENDING_ZONE', 'HOME_CLUSTER',
] as const;
export const CREDIT_STATUSES = ['SANCTIONED', 'DISBURSED', 'REPAID', 'OVERDUE'] as const;
export const VISIT_OUTCOMES = ['INFORMED', 'DOCUMENTS_COLLECTED', 'APPLIED', 'DECLINED', 'NOT_FOUND'] as const;
export type VisitOutcome = (typeof VISIT_OUTCOMES)[number];

export const CigSchema = defineEntity({
  name: 'Cig',
  tableName: 'cig',
  properties: {
    id: p.string().primary(),
    name: p.string(),
    occupation: p.enum([...OCCUPATIONS]),
    workLocation: p.string(),
    workLocationKind: p.enum([...WORK_LOCATION_KINDS]),
    cityCode: p.string(),
    wardCode: p.string(),
    formedOn: p.date(),
    ...provenanceProperties,
  },
});
export type Cig = InferEntity<typeof CigSchema>;

export const CigMembershipSchema = defineEntity({
  name: 'CigMembership',
  tableName: 'cig_membership',
  properties: {
    id: p.string().primary(),
    cigId: p.string(),
    workerId: p.string(),
    role: p.enum([...CIG_ROLES]),
    joinedOn: p.date(),
    leftOn: p.date().nullable(),
    ...provenanceProperties,
  },
});
export type CigMembership = InferEntity<typeof CigMembershipSchema>;

export const BankLinkageSchema = defineEntity({
  name: 'BankLinkage',
  tableName: 'bank_linkage',
  properties: {
    id: p.string().primary(),
    cigId: p.string().unique(),
    bankName: p.string(),
    branchIfsc: p.string(),
    accountLast4: p.string(),
    linkedOn: p.date(),
    ...provenanceProperties,
  },
});
export type BankLinkage = InferEntity<typeof BankLinkageSchema>;

/** Carries the CIG and worker of its membership so a CIG's savings read without a join. */
export const SavingsDepositSchema = defineEntity({
  name: 'SavingsDeposit',
  tableName: 'savings_deposit',
  properties: {
    id: p.string().primary(),
    cigId: p.string(),
    membershipId: p.string(),
    workerId: p.string(),
    amount: p.integer(),
    depositedOn: p.date(),
    ...provenanceProperties,
  },
});
export type SavingsDeposit = InferEntity<typeof SavingsDepositSchema>;

export const CreditLinkageSchema = defineEntity({
  name: 'CreditLinkage',
  tableName: 'credit_linkage',
  properties: {
    id: p.string().primary(),
    cigId: p.string(),
    lender: p.string(),
    amount: p.integer(),
    sanctionedOn: p.date(),
    purpose: p.string(),
    status: p.enum([...CREDIT_STATUSES]),
    ...provenanceProperties,
  },
});
export type CreditLinkage = InferEntity<typeof CreditLinkageSchema>;

/**
 * A worker's own savings bank account, opened with the mission's help. It lies in the city of the
 * ULB mission that recorded it, which is what a caller's jurisdiction is checked against.
 */
export const SavingsAccountSchema = defineEntity({
  name: 'SavingsAccount',
  tableName: 'savings_account',
  properties: {
    id: p.string().primary(),
    workerId: p.string(),
    cityCode: p.string(),
    bankName: p.string(),
    branchIfsc: p.string(),
    accountLast4: p.string(),
    openedOn: p.date(),
    ...provenanceProperties,
  },
});
export type SavingsAccount = InferEntity<typeof SavingsAccountSchema>;

/**
 * A community resource person's follow-up visit to a worker about one scheme of the catalogue
 * (schema/schemes.yaml). It lies in the city of the CRP's mission; `recordedBy` is the CRP.
 */
export const VisitSchema = defineEntity({
  name: 'Visit',
  tableName: 'visit',
  properties: {
    id: p.string().primary(),
    workerId: p.string(),
    cityCode: p.string(),
    scheme: p.string(),
    outcome: p.enum([...VISIT_OUTCOMES]),
    visitedOn: p.date(),
    note: p.string().nullable(),
    ...provenanceProperties,
  },
});
export type Visit = InferEntity<typeof VisitSchema>;

/** A worker's `MepmaFacts`, by fact name, as the facts loader answers them (src/shared/facts.ts). */
export type MepmaFactValues = Record<string, unknown>;

export const entities = [
  CigSchema, CigMembershipSchema, BankLinkageSchema, SavingsDepositSchema, CreditLinkageSchema, SavingsAccountSchema, VisitSchema,
];
