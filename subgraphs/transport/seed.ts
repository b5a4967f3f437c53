import type { EntityManager } from '@mikro-orm/postgresql';
import { BulkWriter } from '../../src/shared/demo/bulk.js';
import { wardCode } from '../../src/shared/reference/index.js';
import type { DemoCig, DemoPopulation, DemoWorker } from '../../src/shared/demo/population.js';
import { type Random } from '../../src/shared/demo/random.js';
import { advanceSequence } from '../../src/shared/transactions.js';
import {
  AutoStandSchema, DrivingLicenceSchema, PsvBadgeSchema, VEHICLE_CLASSES, VehiclePermitSchema,
  type DrivingLicence, type PsvBadge, type VehicleClass, type VehiclePermit,
} from './entities.js';
import { PERMIT_YEARS, licencePrefix } from './rules.js';
import { addYears, today } from '../../src/shared/dates.js';
import { addDays } from '../../src/shared/demo/days.js';
import { importedProvenance } from '../../src/shared/provenance.js';

const RECORDED_BY = 'transport-demo-import';
/** Registration series letters, as RTOs use them (no I, O or Q). */
const SERIES = 'ABCDEFGHJKLMNPRSTUVWXYZ';

/**
 * Transport's share of the demo: an auto stand for every TRANSPORT CIG's work location, and
 * licences, badges and permits for auto drivers and delivery riders. Licence numbers and issue
 * dates follow the population; validity is laid out around the day the demo is loaded (renewals
 * move validUntil on, the number keeps its first year), so statuses and "expiring soon" counts
 * look like a live register whenever it is loaded.
 */
export async function seed(em: EntityManager, population: DemoPopulation, progress?: (done: number) => void): Promise<void> {
  const asOf = today();
  const bulk = new BulkWriter(em);
  const stands = await seedAutoStands(bulk, population);
  const count = { licences: 0, badges: 0, permits: 0 };
  for (const worker of population.workers()) {
    const register = demoRegister(population, worker, asOf);
    if (register.licence) {
      count.licences += 1;
      const { licence } = register;
      const licenceNumber = `${licencePrefix(licence.issuingRto, licence.issuedOn)}${serial(count.licences)}`;
      await bulk.add(DrivingLicenceSchema, { ...licence, licenceNumber, ...importedProvenance(RECORDED_BY, 'Sarathi', licence.issuedOn) });
      if (register.badge) {
        count.badges += 1;
        const badgeNumber = `PSV-${serial(count.badges)}`;
        await bulk.add(PsvBadgeSchema, { ...register.badge, badgeNumber, licenceNumber, ...importedProvenance(RECORDED_BY, 'Sarathi', register.badge.issuedOn) });
      }
    }
    if (register.permit) {
      count.permits += 1;
      await bulk.add(VehiclePermitSchema, {
        ...register.permit,
        permitNumber: `PMT-${serial(count.permits)}`,
        vehicleRegistration: registration(worker.city.rtoCode, count.permits),
        // Every TRANSPORT CIG has its stand: seedAutoStands saw them all.
        autoStandId: stands.get(standKey(worker.cig))!,
        ...importedProvenance(RECORDED_BY, 'Vahan', register.permit.issuedOn),
      });
    }
    if (worker.index % 1000 === 0) progress?.(worker.index);
  }
  await bulk.flush();
  progress?.(population.workerCount);
  await advanceSequence(em, 'driving_licence_serial_seq', count.licences);
  await advanceSequence(em, 'psv_badge_number_seq', count.badges);
  await advanceSequence(em, 'vehicle_permit_number_seq', count.permits);
}

/** Each TRANSPORT CIG gathers at an auto stand: one stand per work location name in a city. */
async function seedAutoStands(bulk: BulkWriter, population: DemoPopulation): Promise<Map<string, string>> {
  const stands = new Map<string, string>();
  const perCity = new Map<string, number>();
  for (const cig of population.cigs()) {
    if (cig.occupation !== 'TRANSPORT' || stands.has(standKey(cig))) continue;
    const number = (perCity.get(cig.city.code) ?? 0) + 1;
    perCity.set(cig.city.code, number);
    const id = `AS-${cig.city.code}-${String(number).padStart(4, '0')}`;
    stands.set(standKey(cig), id);
    await bulk.add(AutoStandSchema, {
      id,
      name: cig.workLocation,
      cityCode: cig.city.code,
      wardCode: wardCode(cig.city.code, cig.ward),
      capacity: population.random('transport-stand', cig.index).int(15, 60),
      ...importedProvenance(RECORDED_BY, 'RTA auto stand register', cig.formedOn),
    });
  }
  return stands;
}

type Issued<T> = Omit<T, 'sourceSystem' | 'recordedAt' | 'recordedBy' | 'updatedAt' | 'updatedBy'>;

/** A worker's documents before the seed numbers them. */
interface DemoRegister {
  licence?: Omit<Issued<DrivingLicence>, 'licenceNumber'>;
  badge?: Omit<Issued<PsvBadge>, 'badgeNumber' | 'licenceNumber'>;
  permit?: Omit<Issued<VehiclePermit>, 'permitNumber' | 'vehicleRegistration' | 'autoStandId'>;
}

/**
 * Auto drivers: 95% hold a licence with the three-wheeler transport class, 80% a PSV badge on
 * it and 60% a permit at their CIG's stand. Delivery riders: 85% a motorcycle licence.
 */
function demoRegister(population: DemoPopulation, worker: DemoWorker, asOf: string): DemoRegister {
  const rng = population.random('transport-register', worker.index);
  const licensed = worker.occupation === 'TRANSPORT' ? rng.chance(0.95) : worker.occupation === 'GIG' && rng.chance(0.85);
  if (!licensed) return {};
  const driver = worker.occupation === 'TRANSPORT';
  const eRickshaw = driver && rng.chance(0.08);
  const classes = new Set<VehicleClass>(driver ? ['THREE_WHEELER_TR'] : ['MCWG']);
  if (rng.chance(driver ? 0.5 : 0.15)) classes.add('LMV');
  if (driver && rng.chance(0.3)) classes.add('MCWG');
  if (driver && rng.chance(0.1)) classes.add('LMV_TR');
  if (eRickshaw) classes.add('E_RICKSHAW');

  const adult = addYears(worker.dateOfBirth, 18);
  const issuedOn = rng.dateBetween(adult > '2006-01-01' ? adult : '2006-01-01', worker.registeredOn);
  const licence = {
    workerId: worker.id,
    vehicleClasses: VEHICLE_CLASSES.filter((c) => classes.has(c)),
    issuedOn,
    // Transport licences are renewed every five years, others every ten or more.
    validUntil: validityEnd(rng, asOf, worker.registeredOn, driver ? 5 * 365 : 10 * 365),
    issuingRto: worker.city.rtoCode,
    suspended: rng.chance(0.01),
  };
  const register: DemoRegister = { licence };
  if (!driver) return register;
  // Shares among licence holders that give 80% and 60% of all auto drivers.
  if (rng.chance(0.8 / 0.95)) {
    register.badge = {
      workerId: worker.id,
      issuedOn: rng.dateBetween(issuedOn, worker.registeredOn),
      validUntil: licence.validUntil,
      suspended: licence.suspended,
    };
  }
  if (rng.chance(0.6 / 0.95)) {
    const validUntil = validityEnd(rng, asOf, worker.registeredOn, PERMIT_YEARS * 365);
    register.permit = {
      workerId: worker.id,
      permitType: eRickshaw ? 'E_RICKSHAW' : 'AUTO_RICKSHAW_CONTRACT_CARRIAGE',
      issuedOn: addYears(validUntil, -PERMIT_YEARS),
      validUntil,
      suspended: rng.chance(0.01),
    };
  }
  return register;
}

/**
 * Most documents are in force; 5% lapsed after the worker registered and 4% run out within 60
 * days, so the register has renewals to chase.
 */
function validityEnd(rng: Random, asOf: string, inForceOn: string, maxDays: number): string {
  const roll = rng.next();
  if (roll < 0.05) return rng.dateBetween(addDays(inForceOn, 1), addDays(asOf, -1));
  if (roll < 0.09) return addDays(asOf, rng.int(0, 60));
  return addDays(asOf, rng.int(61, maxDays));
}

function standKey(cig: DemoCig): string {
  return `${cig.city.code}|${cig.workLocation}`;
}

function serial(n: number): string {
  return String(n).padStart(7, '0');
}

/** The n-th permit's vehicle: `AP16TA0001`, `AP16TA0002`, ...; distinct for the first 229,977 permits. */
function registration(rto: string, n: number): string {
  const series = SERIES[Math.floor((n - 1) / 9999) % SERIES.length];
  return `${rto}T${series}${String(((n - 1) % 9999) + 1).padStart(4, '0')}`;
}

export async function hasData(em: EntityManager): Promise<boolean> {
  return (await em.count(DrivingLicenceSchema)) > 0;
}
