import type { EntityManager } from '@mikro-orm/postgresql';
import { BulkWriter } from '../../src/shared/demo/bulk.js';
import { wardCode } from '../../src/shared/reference/index.js';
import { CIG_SIZE, type DemoOccupation, type DemoPopulation, type DemoWorker } from '../../src/shared/demo/population.js';
import { advanceSequence } from '../../src/shared/transactions.js';
import { addDays } from '../../src/shared/demo/days.js';
import { importedProvenance } from '../../src/shared/provenance.js';
import {
  BankLinkageSchema, CigMembershipSchema, CigSchema, CreditLinkageSchema, SavingsAccountSchema, SavingsDepositSchema, VisitSchema,
  type CreditLinkage, type VisitOutcome,
} from './entities.js';
import { schemeArg } from './rules.js';

const RECORDED_BY = 'mepma-demo-import';
const CIG_SYSTEM = 'MEPMA VOG survey app';
const BANK_SYSTEM = 'MEPMA bank linkage register';
const VISIT_SYSTEM = 'MEPMA CRP field app';

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
const LOAN_PURPOSES: Record<DemoOccupation, string[]> = {
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

/** Of the CIGs that save, loans reach half the programme's outreach: credit lags savings. */
const CREDIT_SHARE_OF_SAVING_CIGS = 0.5;

/** The share of workers a CRP has followed up about each gap MEPMA's own records show. */
const VISIT_SHARE = 0.08;
/** Of those, the share visited a second time, a few weeks later. */
const REVISIT_SHARE = 0.3;
/** The schemes CRPs follow up (ids of schema/schemes.yaml, checked when the seed loads). */
const FOLLOWED_UP = {
  /** A member of a CIG with no bank account. */
  bankLinkage: schemeArg('CIG_BANK_LINKAGE'),
  /** A worker with a savings account of their own, told about accident insurance. */
  insurance: schemeArg('PMSBY'),
  /** A worker without one, told about the pension and the account it needs. */
  pension: schemeArg('PM_SYM'),
};
const VISIT_OUTCOME_SHARE: Record<VisitOutcome, number> = { INFORMED: 40, DOCUMENTS_COLLECTED: 20, APPLIED: 15, DECLINED: 10, NOT_FOUND: 15 };
const VISIT_NOTES: Record<VisitOutcome, string[]> = {
  INFORMED: ['Explained the scheme at the work location; will bring documents next week.', 'Told the family what to bring.'],
  DOCUMENTS_COLLECTED: ['Aadhaar and passbook copies collected.', 'Collected documents; photographs still to come.'],
  APPLIED: ['Application submitted at the bank branch.', 'Helped to apply at the ward secretariat.'],
  DECLINED: ['Does not want the monthly auto-debit.', 'Says the income is too irregular for now.'],
  NOT_FOUND: ['Moved from the address; neighbours did not know where.', 'Not at the work location on two visits.'],
};

const padded = (n: number) => String(n).padStart(7, '0');

/**
 * MEPMA's share of the demo: every CIG with its five members. How far each programme has reached
 * varies by ward and occupation (`population.outreach`): a share of CIGs linked to a bank within
 * weeks of forming; a share of their members saving monthly, so savings lag bank linkage; a smaller
 * share of the saving CIGs with a loan. A share of workers hold a savings account of their own,
 * and CRPs have followed up some of the gaps.
 */
export async function seed(em: EntityManager, population: DemoPopulation, progress?: (done: number) => void): Promise<void> {
  const bulk = new BulkWriter(em);
  const count = { memberships: 0, linkages: 0, deposits: 0, loans: 0, accounts: 0, visits: 0 };
  for (const cig of population.cigs()) {
    const reach = (programme: string) => population.outreach(programme, cig.city.code, cig.ward, cig.occupation);
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
    const bank = rng.chance(reach('CIG_BANK_LINKAGE')) ? rng.weighted(BANK_SHARE) : null;
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
    let saving = false;

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
      // Only some members of a linked CIG take up saving; incomes are irregular, so a saver present
      // at a meeting deposits ₹100–500 when they can spare it.
      const savingsRng = population.random('mepma-savings', worker.index);
      const saver = savingsRng.chance(reach('SAVINGS'));
      for (const depositedOn of saver ? meetings : []) {
        if (depositedOn < worker.joinedCigOn || (leftOn && depositedOn >= leftOn) || !savingsRng.chance(0.85)) continue;
        saving = true;
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

      const hasAccount = await addSavingsAccount(bulk, population, worker, () => `SBA-${padded(++count.accounts)}`);
      const gaps = [!bank && !leftOn ? FOLLOWED_UP.bankLinkage : null, hasAccount ? FOLLOWED_UP.insurance : FOLLOWED_UP.pension];
      for (const scheme of gaps) {
        if (scheme) await addVisits(bulk, population, worker, scheme, () => `VIS-${padded(++count.visits)}`);
      }
    }

    // Banks lend to groups that save.
    if (bank && saving && rng.chance(CREDIT_SHARE_OF_SAVING_CIGS * reach('CIG_CREDIT_LINKAGE'))) {
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
  await advanceSequence(em, 'savings_account_number_seq', count.accounts);
  await advanceSequence(em, 'visit_number_seq', count.visits);
}

/** A savings account of the worker's own, for a share of workers that varies by ward and occupation. */
async function addSavingsAccount(bulk: BulkWriter, population: DemoPopulation, worker: DemoWorker, nextId: () => string): Promise<boolean> {
  const rng = population.random('mepma-account', worker.index);
  if (!rng.chance(population.outreach('SAVINGS_ACCOUNT', worker.city.code, worker.ward, worker.occupation))) return false;
  const bank = rng.weighted(BANK_SHARE);
  const openedOn = addDays(worker.joinedCigOn, rng.int(14, 365));
  await bulk.add(SavingsAccountSchema, {
    id: nextId(),
    workerId: worker.id,
    cityCode: worker.city.code,
    bankName: bank,
    branchIfsc: `${BANKS[bank]}${rng.digits(6)}`,
    accountLast4: rng.digits(4),
    openedOn,
    ...importedProvenance(RECORDED_BY, BANK_SYSTEM, openedOn),
  });
  return true;
}

/** For a share of workers, a CRP's visit about `scheme`, sometimes followed up by a second. */
async function addVisits(bulk: BulkWriter, population: DemoPopulation, worker: DemoWorker, scheme: string, nextId: () => string): Promise<void> {
  const rng = population.random(`mepma-visit-${scheme}`, worker.index);
  if (!rng.chance(VISIT_SHARE)) return;
  // The CRP of the worker's ward, as the field app names them.
  const crp = `mepma:crp.${wardCode(worker.city.code, worker.ward).toLowerCase()}`;
  const first = rng.dateBetween('2026-05-01', '2026-10-31');
  const days = rng.chance(REVISIT_SHARE) ? [first, addDays(first, rng.int(14, 30))] : [first];
  for (const visitedOn of days) {
    const outcome = rng.weighted(VISIT_OUTCOME_SHARE);
    await bulk.add(VisitSchema, {
      id: nextId(),
      workerId: worker.id,
      cityCode: worker.city.code,
      scheme,
      outcome,
      visitedOn,
      note: rng.chance(0.6) ? rng.pick(VISIT_NOTES[outcome]) : null,
      ...importedProvenance(crp, VISIT_SYSTEM, visitedOn),
    });
  }
}

export async function hasData(em: EntityManager): Promise<boolean> {
  return (await em.count(CigSchema)) > 0;
}
