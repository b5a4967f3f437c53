import type { EntityManager } from '@mikro-orm/postgresql';
import { BulkWriter } from '../../src/shared/demo/bulk.js';
import { wardCode } from '../../src/shared/demo/places.js';
import { CIG_SIZE, type DemoPopulation, type Occupation } from '../../src/shared/demo/population.js';
import { advanceSequence } from '../../src/shared/transactions.js';
import { addDays } from '../../src/shared/dates.js';
import { importedProvenance } from '../../src/shared/provenance.js';
import {
  BankLinkageSchema, CigMembershipSchema, CigSchema, CreditLinkageSchema, SavingsDepositSchema,
  type CreditLinkage,
} from './entities.js';

const RECORDED_BY = 'mepma-demo-import';
const CIG_SYSTEM = 'MEPMA VOG survey app';
const BANK_SYSTEM = 'MEPMA bank linkage register';

/** Banks that open CIG accounts in the two cities, with the first five characters of their IFSCs. */
const BANKS = {
  'State Bank of India': 'SBIN0',
  'Union Bank of India': 'UBIN0',
  'Indian Bank': 'IDIB0',
  'Canara Bank': 'CNRB0',
  'Andhra Pradesh Grameena Vikas Bank': 'APGV0',
  'Bank of Baroda': 'BARB0',
} as const;
type Bank = keyof typeof BANKS;
const BANK_SHARE: Record<Bank, number> = {
  'State Bank of India': 30,
  'Union Bank of India': 25,
  'Indian Bank': 15,
  'Canara Bank': 12,
  'Andhra Pradesh Grameena Vikas Bank': 10,
  'Bank of Baroda': 8,
};

/** What a CIG of each occupation borrows for. */
const LOAN_PURPOSES: Record<Occupation, string[]> = {
  TRANSPORT: ['Auto-rickshaw repairs and spare parts', 'Down payment on electric autos'],
  GIG: ['Two-wheelers for delivery work', 'Phones and delivery bags'],
  DOMESTIC: ['Household emergencies and school fees', 'Sewing machines for extra income'],
  CARE: ['Training and certification as care attendants', 'Household emergencies and school fees'],
  WASTE: ['Push carts and a baling machine', 'Protective gear and sorting equipment'],
  CONSTRUCTION: ['Masonry and centring tools', 'Bar-bending equipment'],
  STREET_VENDOR: ['Working capital for stock', 'Carts and stalls'],
  HOME_BASED: ['Raw material for tailoring orders', 'Sewing machines'],
};

const LOAN_STATUS_SHARE: Record<CreditLinkage['status'], number> = { SANCTIONED: 8, DISBURSED: 55, REPAID: 20, OVERDUE: 17 };

const SAVINGS_MONTHS = 6;

const padded = (n: number) => String(n).padStart(7, '0');

/**
 * MEPMA's share of the demo: every CIG with its five members; most CIGs linked to a bank within
 * weeks of forming, their members saving monthly, a quarter of them with a loan.
 */
export async function seed(em: EntityManager, population: DemoPopulation, progress?: (done: number) => void): Promise<void> {
  const bulk = new BulkWriter(em);
  const count = { memberships: 0, linkages: 0, deposits: 0, loans: 0 };
  for (const cig of population.cigs()) {
    await bulk.add(CigSchema, {
      id: cig.id,
      name: cig.name,
      occupation: cig.occupation,
      workLocation: cig.workLocation,
      workLocationKind: cig.workLocationKind,
      cityCode: cig.city.code,
      wardCode: wardCode(cig.city.code, cig.ward),
      formedOn: cig.formedOn,
      ...importedProvenance(RECORDED_BY, CIG_SYSTEM, cig.formedOn),
    });

    const rng = population.random('mepma-bank', cig.index);
    const bank = rng.chance(0.8) ? rng.weighted(BANK_SHARE) : null;
    const linkedOn = addDays(cig.formedOn, rng.int(7, 42));
    if (bank) {
      await bulk.add(BankLinkageSchema, {
        id: `BL-${padded(++count.linkages)}`,
        cigId: cig.id,
        bankName: bank,
        branchIfsc: `${BANKS[bank]}${rng.digits(6)}`,
        accountLast4: rng.digits(4),
        linkedOn,
        ...importedProvenance(RECORDED_BY, BANK_SYSTEM, linkedOn),
      });
    }
    // Savings are recorded at the monthly meetings of the six months after linkage.
    const meetings = bank ? Array.from({ length: SAVINGS_MONTHS }, (_, i) => addDays(linkedOn, 30 * (i + 1))) : [];

    for (const worker of population.members(cig)) {
      const memberRng = population.random('mepma-member', worker.index);
      // A few ordinary members drift away to other work; office bearers stay.
      const leftOn = worker.cigRole === 'MEMBER' && memberRng.chance(0.04) ? addDays(worker.joinedCigOn, memberRng.int(45, 240)) : null;
      const membershipId = `CM-${padded(++count.memberships)}`;
      await bulk.add(CigMembershipSchema, {
        id: membershipId,
        cigId: cig.id,
        workerId: worker.id,
        role: worker.cigRole,
        joinedOn: worker.joinedCigOn,
        leftOn,
        ...importedProvenance(RECORDED_BY, CIG_SYSTEM, worker.joinedCigOn, leftOn ?? worker.joinedCigOn),
      });
      // Incomes are irregular: a member present at a meeting deposits ₹100–500 when they can spare it.
      const savingsRng = population.random('mepma-savings', worker.index);
      for (const depositedOn of meetings) {
        if (depositedOn < worker.joinedCigOn || (leftOn && depositedOn >= leftOn) || !savingsRng.chance(0.85)) continue;
        await bulk.add(SavingsDepositSchema, {
          id: `SD-${padded(++count.deposits)}`,
          cigId: cig.id,
          membershipId,
          workerId: worker.id,
          amount: savingsRng.int(2, 10) * 50,
          depositedOn,
          ...importedProvenance(RECORDED_BY, BANK_SYSTEM, depositedOn),
        });
      }
    }

    if (bank && rng.chance(0.25)) {
      const sanctionedOn = addDays(linkedOn, rng.int(60, 200));
      await bulk.add(CreditLinkageSchema, {
        id: `CL-${padded(++count.loans)}`,
        cigId: cig.id,
        lender: bank,
        amount: rng.int(5, 50) * 10_000,
        sanctionedOn,
        purpose: rng.pick(LOAN_PURPOSES[cig.occupation]),
        status: rng.weighted(LOAN_STATUS_SHARE),
        ...importedProvenance(RECORDED_BY, BANK_SYSTEM, sanctionedOn),
      });
    }
    if (cig.index % 200 === 0) progress?.(cig.index * CIG_SIZE);
  }
  await bulk.flush();
  progress?.(population.workerCount);
  await advanceSequence(em, 'cig_number_seq', population.cigCount);
  await advanceSequence(em, 'cig_membership_number_seq', count.memberships);
  await advanceSequence(em, 'bank_linkage_number_seq', count.linkages);
  await advanceSequence(em, 'savings_deposit_number_seq', count.deposits);
  await advanceSequence(em, 'credit_linkage_number_seq', count.loans);
}

export async function hasData(em: EntityManager): Promise<boolean> {
  return (await em.count(CigSchema)) > 0;
}
