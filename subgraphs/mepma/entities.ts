import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { provenanceProperties } from '../../src/shared/provenance.js';
import { OCCUPATIONS, type CigRole, type WorkLocationKind } from '../../src/shared/demo/population.js';

const p = defineEntity.properties;

export const WORK_LOCATION_KINDS = [
  'AUTO_STAND', 'DELIVERY_HUB', 'RESIDENTIAL_CLUSTER', 'WASTE_COLLECTION_POINT', 'LABOUR_ADDA', 'VENDING_ZONE', 'HOME_CLUSTER',
] as const satisfies readonly WorkLocationKind[];
export const CIG_ROLES = ['PRESIDENT', 'SECRETARY', 'TREASURER', 'MEMBER'] as const satisfies readonly CigRole[];
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
    workLocation: p.string().fieldName('work_location'),
    workLocationKind: p.enum([...WORK_LOCATION_KINDS]).fieldName('work_location_kind'),
    cityCode: p.string().fieldName('city_code'),
    wardCode: p.string().fieldName('ward_code'),
    formedOn: p.date().fieldName('formed_on'),
    ...provenanceProperties,
  },
});
export type Cig = InferEntity<typeof CigSchema>;

export const CigMembershipSchema = defineEntity({
  name: 'CigMembership',
  tableName: 'cig_membership',
  properties: {
    id: p.string().primary(),
    cigId: p.string().fieldName('cig_id'),
    workerId: p.string().fieldName('worker_id'),
    role: p.enum([...CIG_ROLES]),
    joinedOn: p.date().fieldName('joined_on'),
    leftOn: p.date().fieldName('left_on').nullable(),
    ...provenanceProperties,
  },
});
export type CigMembership = InferEntity<typeof CigMembershipSchema>;

export const BankLinkageSchema = defineEntity({
  name: 'BankLinkage',
  tableName: 'bank_linkage',
  properties: {
    id: p.string().primary(),
    cigId: p.string().fieldName('cig_id').unique(),
    bankName: p.string().fieldName('bank_name'),
    branchIfsc: p.string().fieldName('branch_ifsc'),
    accountLast4: p.string().fieldName('account_last4'),
    linkedOn: p.date().fieldName('linked_on'),
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
    cigId: p.string().fieldName('cig_id'),
    membershipId: p.string().fieldName('membership_id'),
    workerId: p.string().fieldName('worker_id'),
    amount: p.integer(),
    depositedOn: p.date().fieldName('deposited_on'),
    ...provenanceProperties,
  },
});
export type SavingsDeposit = InferEntity<typeof SavingsDepositSchema>;

export const CreditLinkageSchema = defineEntity({
  name: 'CreditLinkage',
  tableName: 'credit_linkage',
  properties: {
    id: p.string().primary(),
    cigId: p.string().fieldName('cig_id'),
    lender: p.string(),
    amount: p.integer(),
    sanctionedOn: p.date().fieldName('sanctioned_on'),
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
    workerId: p.string().fieldName('worker_id'),
    cityCode: p.string().fieldName('city_code'),
    bankName: p.string().fieldName('bank_name'),
    branchIfsc: p.string().fieldName('branch_ifsc'),
    accountLast4: p.string().fieldName('account_last4'),
    openedOn: p.date().fieldName('opened_on'),
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
    workerId: p.string().fieldName('worker_id'),
    cityCode: p.string().fieldName('city_code'),
    scheme: p.string(),
    outcome: p.enum([...VISIT_OUTCOMES]),
    visitedOn: p.date().fieldName('visited_on'),
    note: p.string().nullable(),
    ...provenanceProperties,
  },
});
export type Visit = InferEntity<typeof VisitSchema>;

/** A worker's `MepmaFacts`, by fact name, as the facts loader answers them (src/shared/facts.ts). */
export type MepmaFactValues = Record<string, unknown>;

/** Labour's worker, known here only by key: Labour resolves the rest through the gateway. */
export interface WorkerReference {
  id: string;
}

export const entities = [
  CigSchema, CigMembershipSchema, BankLinkageSchema, SavingsDepositSchema, CreditLinkageSchema, SavingsAccountSchema, VisitSchema,
];
