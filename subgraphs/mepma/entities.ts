import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { provenanceProperties } from '../../src/shared/provenance.js';
import { OCCUPATIONS, type CigRole, type WorkLocationKind } from '../../src/shared/demo/population.js';

const p = defineEntity.properties;

export const WORK_LOCATION_KINDS = [
  'AUTO_STAND', 'DELIVERY_HUB', 'RESIDENTIAL_CLUSTER', 'WASTE_COLLECTION_POINT', 'LABOUR_ADDA', 'VENDING_ZONE', 'HOME_CLUSTER',
] as const satisfies readonly WorkLocationKind[];
export const CIG_ROLES = ['PRESIDENT', 'SECRETARY', 'TREASURER', 'MEMBER'] as const satisfies readonly CigRole[];
export const CREDIT_STATUSES = ['SANCTIONED', 'DISBURSED', 'REPAID', 'OVERDUE'] as const;

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

/** Labour's worker, known here only by key: Labour resolves the rest through the gateway. */
export interface WorkerReference {
  id: string;
}

export const entities = [CigSchema, CigMembershipSchema, BankLinkageSchema, SavingsDepositSchema, CreditLinkageSchema];
