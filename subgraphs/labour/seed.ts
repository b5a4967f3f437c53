import type { EntityManager } from '@mikro-orm/postgresql';
import { BulkWriter } from '../../src/shared/demo/bulk.js';
import { wardCode } from '../../src/shared/reference/index.js';
import type { DemoPopulation, DemoWorker } from '../../src/shared/demo/population.js';
import { advanceSequence } from '../../src/shared/transactions.js';
import { SCHEMES, SocialSecurityEnrolmentSchema, WorkerSchema, type SocialSecurityEnrolment } from './entities.js';
import { addDays } from '../../src/shared/demo/days.js';
import { schemeIneligibility } from './rules.js';
import { importedProvenance } from '../../src/shared/provenance.js';

const RECORDED_BY = 'labour-demo-import';

/** Labour's share of the demo: every worker's registration and their scheme enrolments. */
export async function seed(em: EntityManager, population: DemoPopulation, progress?: (done: number) => void): Promise<void> {
  const bulk = new BulkWriter(em);
  const outreach = outreachShares(population);
  let enrolments = 0;
  for (const worker of population.workers()) {
    await bulk.add(WorkerSchema, {
      id: worker.id,
      name: worker.name,
      gender: worker.gender,
      dateOfBirth: worker.dateOfBirth,
      phone: worker.phone,
      idToken: worker.idToken,
      idLast4: worker.idLast4,
      occupation: worker.occupation,
      ncoCode: worker.ncoCode,
      cityCode: worker.city.code,
      wardCode: wardCode(worker.city.code, worker.ward),
      registeredOn: worker.registeredOn,
      eShramUan: worker.eShramUan,
      ...importedProvenance(RECORDED_BY, worker.eShramUan ? 'e-Shram' : 'MEPMA door-to-door survey', worker.registeredOn),
    });
    for (const enrolment of demoEnrolments(population, worker, outreach)) {
      enrolments += 1;
      await bulk.add(SocialSecurityEnrolmentSchema, { ...enrolment, id: `SSE-${String(enrolments).padStart(7, '0')}` });
    }
    if (worker.index % 1000 === 0) progress?.(worker.index);
  }
  await bulk.flush();
  progress?.(population.workerCount);
  await advanceSequence(em, 'worker_number_seq', population.workerCount);
  await advanceSequence(em, 'social_security_enrolment_number_seq', enrolments);
}

/**
 * How far each scheme's outreach goes, relative to the ward's and trade's share
 * (`population.outreach`, 0.1 to 0.92): accident insurance, at Rs 20 a year, reaches most;
 * a contributory pension far fewer, and APY fewest of all among informal workers.
 */
const OUTREACH_SCALE: Record<SocialSecurityEnrolment['scheme'], number> = { PMSBY: 1, BOCW: 1, PMJJBY: 0.65, PM_SYM: 0.45, APY: 0.15 };

type OutreachShare = (scheme: SocialSecurityEnrolment['scheme'], worker: DemoWorker) => number;

/** Each scheme's share in a worker's ward and trade, scaled; remembered, since a million workers share a few thousand (scheme, ward, trade) cells. */
function outreachShares(population: DemoPopulation): OutreachShare {
  const shares = new Map<string, number>();
  return (scheme, worker) => {
    const key = `${scheme}|${worker.city.code}|${worker.ward}|${worker.occupation}`;
    let share = shares.get(key);
    if (share === undefined) {
      share = OUTREACH_SCALE[scheme] * population.outreach(scheme, worker.city.code, worker.ward, worker.occupation);
      shares.set(key, share);
    }
    return share;
  };
}

/**
 * The schemes a worker was enrolled in, each within its published age limits at enrolment
 * (rules.ts), with a share of the eligible enrolled that varies by scheme, ward and occupation.
 */
function demoEnrolments(population: DemoPopulation, worker: DemoWorker, outreach: OutreachShare): Omit<SocialSecurityEnrolment, 'id'>[] {
  const rng = population.random('labour-schemes', worker.index);
  const out: Omit<SocialSecurityEnrolment, 'id'>[] = [];
  for (const scheme of SCHEMES) {
    const enrolledOn = addDays(worker.registeredOn, rng.int(0, 120));
    const share = outreach(scheme, worker);
    if (schemeIneligibility(scheme, worker, enrolledOn) || !rng.chance(share)) continue;
    out.push({
      workerId: worker.id,
      scheme,
      status: rng.chance(0.08) ? 'LAPSED' : 'ACTIVE',
      enrolledOn,
      schemeReference: `${scheme.replace('_', '')}/${worker.city.code}/${rng.digits(8)}`,
      ...importedProvenance(RECORDED_BY, scheme === 'BOCW' ? 'AP BOCW Welfare Board' : 'Jan Suraksha portal', enrolledOn),
    });
  }
  return out;
}

export async function hasData(em: EntityManager): Promise<boolean> {
  return (await em.count(WorkerSchema)) > 0;
}


