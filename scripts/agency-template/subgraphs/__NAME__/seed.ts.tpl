import type { EntityManager } from '@mikro-orm/postgresql';
import { BulkWriter } from '../../src/shared/demo/bulk.js';
import type { DemoPopulation, DemoWorker } from '../../src/shared/demo/population.js';
import { importedProvenance } from '../../src/shared/provenance.js';
import { advanceSequence } from '../../src/shared/transactions.js';
import { __PASCAL__EnrolmentSchema, type __PASCAL__Enrolment } from './entities.js';

const RECORDED_BY = '__NAME__-demo-import';
const SOURCE_SYSTEM = '__TITLE__ register';
/** The demo's enrolments are drawn as they stood on this day. */
const AS_OF = '2025-06-30';
/** Stand-ins for __TITLE__'s programmes: replace them with the agency's own. */
export const DEMO_PROGRAMMES = ['Outreach', 'Screening camp', 'Follow-up care'] as const;

type DemoEnrolment = Omit<__PASCAL__Enrolment, 'id'>;

/**
 * __TITLE__'s share of the demo, derived from the same population as every other agency's, so
 * the agencies agree on who each worker is without sharing tables.
 */
export async function seed(em: EntityManager, population: DemoPopulation, progress?: (done: number) => void): Promise<void> {
  const bulk = new BulkWriter(em);
  let enrolments = 0;
  for (const worker of population.workers()) {
    for (const enrolment of demoEnrolments(population, worker)) {
      enrolments += 1;
      await bulk.add(__PASCAL__EnrolmentSchema, { ...enrolment, id: `__UPPER__-${String(enrolments).padStart(7, '0')}` });
    }
    if (worker.index % 1000 === 0) progress?.(worker.index);
  }
  await bulk.flush();
  progress?.(population.workerCount);
  await advanceSequence(em, '__SNAKE___enrolment_number_seq', enrolments);
}

/** About a quarter of the workers are enrolled, in their own city; some in two programmes. */
function demoEnrolments(population: DemoPopulation, worker: DemoWorker): DemoEnrolment[] {
  const rng = population.random('__NAME__-enrolment', worker.index);
  if (!rng.chance(0.25)) return [];
  const programmes = [rng.pick(DEMO_PROGRAMMES)];
  if (rng.chance(0.2)) programmes.push(rng.pick(DEMO_PROGRAMMES.filter((programme) => !programmes.includes(programme))));
  return programmes.map((programme) => {
    const enrolledOn = rng.dateBetween(worker.registeredOn, AS_OF);
    return {
      workerId: worker.id,
      programme,
      cityCode: worker.city.code,
      enrolledOn,
      reference: `${rng.digits(4)}-${rng.digits(6)}`,
      ...importedProvenance(RECORDED_BY, SOURCE_SYSTEM, enrolledOn),
    };
  });
}

export async function hasData(em: EntityManager): Promise<boolean> {
  return (await em.count(__PASCAL__EnrolmentSchema)) > 0;
}
