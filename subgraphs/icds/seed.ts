import type { EntityManager } from '@mikro-orm/postgresql';
import { BulkWriter } from '../../src/shared/demo/bulk.js';
import { DEMO_CITIES, FEMALE_NAMES, MALE_NAMES, SURNAMES, wardLocality, type DemoCity, type DemoCityCode } from '../../src/shared/demo/places.js';
import { wardCode } from '../../src/shared/reference/index.js';
import type { DemoPopulation, DemoWorker } from '../../src/shared/demo/population.js';
import { type Random } from '../../src/shared/demo/random.js';
import { advanceSequence } from '../../src/shared/transactions.js';
import { AnganwadiCentreSchema, IcdsEnrolmentSchema, type IcdsEnrolment } from './entities.js';
import { LACTATION_MONTHS } from './rules.js';
import { addMonths, addYears, ageOn } from '../../src/shared/dates.js';
import { addDays } from '../../src/shared/demo/days.js';
import { importedProvenance } from '../../src/shared/provenance.js';

const RECORDED_BY = 'icds-demo-import';
const SOURCE_SYSTEM = 'Poshan Tracker';
/** The demo's households are drawn as they stood on this day. */
const AS_OF = '2025-06-30';
const CENTRES_PER_WARD = 2;
/** Stand-ins for the ICDS project numbers inside AWC codes (state 28, then project, ward, centre). */
const PROJECT_CODE: Record<DemoCityCode, string> = { VJA: '516', GVMC: '521' };

type DemoEnrolment = Omit<IcdsEnrolment, 'id'>;

/** ICDS's share of the demo: two anganwadi centres per ward, and the households enrolled at them. */
export async function seed(em: EntityManager, population: DemoPopulation, progress?: (done: number) => void): Promise<void> {
  const bulk = new BulkWriter(em);
  for (const city of DEMO_CITIES) {
    for (let ward = 1; ward <= city.wardCount; ward++) {
      for (let n = 1; n <= CENTRES_PER_WARD; n++) await bulk.add(AnganwadiCentreSchema, demoCentre(population, city, ward, n));
    }
  }
  let enrolments = 0;
  for (const worker of population.workers()) {
    for (const enrolment of demoHousehold(population, worker)) {
      enrolments += 1;
      await bulk.add(IcdsEnrolmentSchema, { ...enrolment, id: `ICDS-${String(enrolments).padStart(7, '0')}` });
    }
    if (worker.index % 1000 === 0) progress?.(worker.index);
  }
  await bulk.flush();
  progress?.(population.workerCount);
  await advanceSequence(em, 'icds_enrolment_number_seq', enrolments);
}

function centreId(city: string, ward: number, n: number): string {
  return `AWC-${city}-${String((ward - 1) * CENTRES_PER_WARD + n).padStart(4, '0')}`;
}

function demoCentre(population: DemoPopulation, city: DemoCity, ward: number, n: number) {
  const id = centreId(city.code, ward, n);
  const rng = population.random(`icds-centre-${city.code}`, (ward - 1) * CENTRES_PER_WARD + n);
  return {
    id,
    // Each ward of a city has a locality of its own, so its centres are numbered within it.
    name: `${wardLocality(city, ward)} AWC ${n}`,
    awcCode: `28${PROJECT_CODE[city.code]}${String(ward).padStart(3, '0')}${String(n).padStart(3, '0')}`,
    cityCode: city.code,
    wardCode: wardCode(city.code, ward),
    anganwadiWorkerName: `${rng.pick(SURNAMES)} ${rng.pick(FEMALE_NAMES)}`,
    ...importedProvenance(RECORDED_BY, SOURCE_SYSTEM, '2024-04-01'),
  };
}

/**
 * About a fifth of the young women and a seventh of the young men have children under six at
 * their ward's anganwadi centre; some mothers are enrolled too, pregnant or just delivered, and
 * some young women without children are enrolled expecting their first. PMMVY has paid only the
 * mothers its outreach has reached, a share that differs by ward and trade.
 */
function demoHousehold(population: DemoPopulation, worker: DemoWorker): DemoEnrolment[] {
  const rng = population.random('icds-household', worker.index);
  const age = ageOn(worker.dateOfBirth, AS_OF);
  const woman = worker.gender === 'FEMALE';
  const parent =
    (woman && age >= 20 && age <= 38 && rng.chance(0.22)) ||
    (worker.gender === 'MALE' && age >= 22 && age <= 40 && rng.chance(0.15));
  const firstPregnancy = !parent && woman && age >= 19 && age <= 35 && rng.chance(0.08);
  if (!parent && !firstPregnancy) return [];

  const surname = worker.name.split(' ')[0];
  const centre = centreId(worker.city.code, worker.ward, rng.int(1, CENTRES_PER_WARD));
  // PMMVY's reach is drawn apart from the household, and instalments are drawn either way, so the
  // households are the same whomever PMMVY reached.
  const pmmvyOutreach = population.outreach('PMMVY', worker.city.code, worker.ward, worker.occupation);
  const pmmvyReached = population.random('icds-pmmvy', worker.index).chance(pmmvyOutreach);
  const enrol = (fields: Pick<DemoEnrolment, 'beneficiaryType' | 'beneficiaryName' | 'relationToWorker' | 'enrolledOn'> & Partial<DemoEnrolment>): DemoEnrolment => ({
    workerId: worker.id,
    centreId: centre,
    dateOfBirth: null,
    expectedDeliveryDate: null,
    deliveryDate: null,
    status: 'ACTIVE',
    exitedOn: null,
    pmmvyInstalmentsPaid: null,
    ...importedProvenance(RECORDED_BY, SOURCE_SYSTEM, fields.enrolledOn),
    ...fields,
  });
  const mother = woman ? worker.name : `${surname} ${rng.pick(FEMALE_NAMES)}`;
  const relationToWorker = woman ? 'SELF' : 'SPOUSE';
  /** Registered from about the sixth week, well inside the nine months before the due date. */
  const pregnant = () => {
    const expectedDeliveryDate = addDays(AS_OF, rng.int(7, 240));
    // PMMVY's second instalment follows the sixth month of pregnancy.
    const instalments = expectedDeliveryDate <= addDays(AS_OF, 90) ? rng.int(1, 2) : rng.int(0, 1);
    return enrol({
      beneficiaryType: 'PREGNANT_WOMAN',
      beneficiaryName: mother,
      relationToWorker,
      expectedDeliveryDate,
      enrolledOn: rng.dateBetween(addDays(expectedDeliveryDate, -240), AS_OF),
      pmmvyInstalmentsPaid: pmmvyReached ? instalments : 0,
    });
  };
  if (firstPregnancy) return movedAway(rng, [pregnant()]);

  // Under six on AS_OF, and born when the parent was at least nineteen.
  const earliestBirth = later(addDays(addYears(AS_OF, -6), 1), addYears(worker.dateOfBirth, 19));
  const youngest = rng.dateBetween(earliestBirth, addDays(AS_OF, -7));
  const births = [youngest];
  const older = addDays(youngest, -rng.int(540, 1500));
  if (rng.chance(0.4) && older >= earliestBirth) births.unshift(older);

  // Nor does a daughter take her mother's name.
  const names = new Set([worker.name.slice(surname.length + 1)]);
  const out = births.map((dateOfBirth) => {
    const beneficiaryName = `${surname} ${childName(rng, names)}`;
    return enrol({
      beneficiaryType: 'CHILD',
      beneficiaryName,
      relationToWorker: 'CHILD',
      dateOfBirth,
      enrolledOn: earlier(AS_OF, addDays(dateOfBirth, rng.int(0, 90))),
    });
  });

  if (youngest >= addMonths(AS_OF, -LACTATION_MONTHS) && rng.chance(0.75)) {
    const instalments = rng.int(2, 3);
    out.push(enrol({
      beneficiaryType: 'LACTATING_MOTHER',
      beneficiaryName: mother,
      relationToWorker,
      deliveryDate: youngest,
      enrolledOn: earlier(AS_OF, addDays(youngest, rng.int(0, 30))),
      pmmvyInstalmentsPaid: pmmvyReached ? instalments : 0,
    }));
  } else if (youngest <= addYears(AS_OF, -1) && rng.chance(0.15)) {
    out.push(pregnant());
  }
  return movedAway(rng, out);
}

/** A few households moved away: every member left the centre on the same day. */
function movedAway(rng: Random, household: DemoEnrolment[]): DemoEnrolment[] {
  if (rng.chance(0.05)) {
    const exitedOn = rng.dateBetween(household.map((enrolment) => enrolment.enrolledOn).reduce(later), AS_OF);
    for (const enrolment of household) {
      Object.assign(enrolment, { status: 'EXITED', exitedOn, updatedAt: new Date(`${exitedOn}T10:00:00+05:30`), updatedBy: RECORDED_BY });
    }
  }
  return household;
}

/** A first name not yet used in the household, so two siblings never share one. */
function childName(rng: Random, used: Set<string>): string {
  let name: string;
  do name = rng.pick(rng.chance(0.5) ? FEMALE_NAMES : MALE_NAMES);
  while (used.has(name));
  used.add(name);
  return name;
}

function later(a: string, b: string): string {
  return a > b ? a : b;
}

function earlier(a: string, b: string): string {
  return a < b ? a : b;
}

export async function hasData(em: EntityManager): Promise<boolean> {
  return (await em.count(AnganwadiCentreSchema)) > 0;
}
