import type { EntityManager } from '@mikro-orm/postgresql';
import { BulkWriter } from '../../src/shared/demo/bulk.js';
import { wardCode } from '../../src/shared/demo/places.js';
import type { DemoPopulation, DemoWorker } from '../../src/shared/demo/population.js';
import { advanceSequence } from '../../src/shared/transactions.js';
import { SocialSecurityEnrolmentSchema, WorkerSchema, type SocialSecurityEnrolment } from './entities.js';
import { addDays, ageOn } from '../../src/shared/dates.js';
import { importedProvenance } from '../../src/shared/provenance.js';

const RECORDED_BY = 'labour-demo-import';

/** Labour's share of the demo: every worker's registration and their scheme enrolments. */
export async function seed(em: EntityManager, population: DemoPopulation, progress?: (done: number) => void): Promise<void> {
  const bulk = new BulkWriter(em);
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
    for (const enrolment of demoEnrolments(population, worker)) {
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

/** The schemes CIG members were linked to, at rates like the pilot's, within each scheme's age limits. */
function demoEnrolments(population: DemoPopulation, worker: DemoWorker): Omit<SocialSecurityEnrolment, 'id'>[] {
  const rng = population.random('labour-schemes', worker.index);
  const out: Omit<SocialSecurityEnrolment, 'id'>[] = [];
  const add = (scheme: SocialSecurityEnrolment['scheme'], minAge: number, maxAge: number, probability: number) => {
    const enrolledOn = addDays(worker.registeredOn, rng.int(0, 120));
    const age = ageOn(worker.dateOfBirth, enrolledOn);
    if (age < minAge || age > maxAge || !rng.chance(probability)) return;
    out.push({
      workerId: worker.id,
      scheme,
      status: rng.chance(0.08) ? 'LAPSED' : 'ACTIVE',
      enrolledOn,
      schemeReference: `${scheme.replace('_', '')}/${worker.city.code}/${rng.digits(8)}`,
      ...importedProvenance(RECORDED_BY, scheme === 'BOCW' ? 'AP BOCW Welfare Board' : 'Jan Suraksha portal', enrolledOn),
    });
  };
  add('PMSBY', 18, 70, 0.6);
  add('PMJJBY', 18, 50, 0.35);
  add('PM_SYM', 18, 40, 0.25);
  add('APY', 18, 40, 0.08);
  if (worker.occupation === 'CONSTRUCTION') add('BOCW', 18, 60, 0.7);
  return out;
}

export async function hasData(em: EntityManager): Promise<boolean> {
  return (await em.count(WorkerSchema)) > 0;
}


