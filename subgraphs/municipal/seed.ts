import type { EntityManager } from '@mikro-orm/postgresql';
import { BulkWriter } from '../../src/shared/demo/bulk.js';
import { CITIES, wardCode, wardLocality, type DemoCity } from '../../src/shared/demo/places.js';
import { CIG_SIZE, type DemoCig, type DemoPopulation, type DemoWorker } from '../../src/shared/demo/population.js';
import { type Random } from '../../src/shared/demo/random.js';
import { advanceSequence } from '../../src/shared/transactions.js';
import { addDays, addYears, today } from '../../src/shared/dates.js';
import { importedProvenance } from '../../src/shared/provenance.js';
import {
  SanitationWorkerIdSchema, TradeLicenceSchema, VendingCertificateSchema, VendingZoneSchema, WardSchema,
  type RecordedStatus, type TradeCategory, type VendingZone,
} from './entities.js';

const RECORDED_BY = 'municipal-demo-import';

/** Places the town vending committees keep clear of vendors. */
const NO_VENDING_PLACES: Record<DemoCity['code'], string[]> = {
  VJA: ['Government General Hospital', 'Pandit Nehru Bus Station'],
  GVMC: ['King George Hospital', 'Visakhapatnam Railway Station'],
};

const GOODS = ['Vegetables', 'Fruits', 'Flowers', 'Tea and snacks', 'Tiffins', 'Coconuts', 'Fish', 'Clothes', 'Household goods'];

const TRADES: Record<'STREET_VENDOR' | 'HOME_BASED', [TradeCategory, string][]> = {
  STREET_VENDOR: [
    ['FOOD_AND_BEVERAGES', 'Tiffin Centre'],
    ['FOOD_AND_BEVERAGES', 'Tea Stall'],
    ['GENERAL_STORE', 'Kirana'],
    ['FRUITS_VEGETABLES_AND_FLOWERS', 'Fruit Stall'],
    ['FRUITS_VEGETABLES_AND_FLOWERS', 'Flower Stall'],
    ['REPAIR_SERVICES', 'Cycle and Footwear Works'],
  ],
  HOME_BASED: [
    ['TAILORING_AND_GARMENTS', 'Tailors'],
    ['HANDICRAFTS', 'Handicrafts'],
    ['FOOD_PROCESSING', 'Pickles and Papads'],
  ],
};

const SANITATION_CONTRACTORS = ['Sri Sai Sanitation Services', 'Green Leaf Facility Management', 'Vijaya Lakshmi Manpower Agency'];

/**
 * Municipal's share of the demo: the wards of both cities, a vending zone at every street-vendor
 * CIG's work location (and a few no-vending zones), and the vendors', home-based and waste
 * workers' papers. Validity dates that must stay meaningful (licences due for renewal, lapsed
 * certificates) are reckoned from the day of seeding; everything else follows the population.
 */
export async function seed(em: EntityManager, population: DemoPopulation, progress?: (done: number) => void): Promise<void> {
  const bulk = new BulkWriter(em);
  const asOf = today();

  for (const city of CITIES) {
    for (let number = 1; number <= city.wardCount; number++) {
      const locality = wardLocality(city, number);
      await bulk.add(WardSchema, {
        code: wardCode(city.code, number),
        number,
        name: `Ward ${number} — ${locality}`,
        locality,
        cityCode: city.code,
        ...importedProvenance(RECORDED_BY, 'CDMA ward register', '2024-04-01'),
      });
    }
  }

  const zones = vendingZones(population);
  for (const zone of zones.all) await bulk.add(VendingZoneSchema, zone);

  const counters = { certificates: 0, licences: 0, sanitationIds: 0 };
  for (const worker of population.workers()) {
    if (worker.occupation === 'STREET_VENDOR') {
      const certificate = vendingCertificate(population, worker, zones.atWorkLocation(worker.cig), asOf);
      if (certificate) {
        counters.certificates += 1;
        const number = `${worker.city.code}/SVC/${certificate.issuedOn.slice(0, 4)}/${serial(counters.certificates)}`;
        await bulk.add(VendingCertificateSchema, { certificateNumber: number, ...certificate });
      }
    }
    if (worker.occupation === 'STREET_VENDOR' || worker.occupation === 'HOME_BASED') {
      const licence = tradeLicence(population, worker, asOf);
      if (licence) {
        counters.licences += 1;
        const number = `${worker.city.code}/TL/${licence.issuedOn.slice(0, 4)}/${serial(counters.licences)}`;
        await bulk.add(TradeLicenceSchema, { licenceNumber: number, ...licence });
      }
    }
    if (worker.occupation === 'WASTE') {
      const card = sanitationWorkerId(population, worker);
      if (card) {
        counters.sanitationIds += 1;
        await bulk.add(SanitationWorkerIdSchema, { idNumber: `${worker.city.code}/SW/${serial(counters.sanitationIds)}`, ...card });
      }
    }
    if (worker.index % 1000 === 0) progress?.(worker.index);
  }
  await bulk.flush();
  progress?.(population.workerCount);
  await advanceSequence(em, 'vending_certificate_number_seq', counters.certificates);
  await advanceSequence(em, 'trade_licence_number_seq', counters.licences);
  await advanceSequence(em, 'sanitation_worker_id_number_seq', counters.sanitationIds);
}

/**
 * The no-vending zones first (so their ids do not move with the population's size), then one
 * vending zone per street-vendor work location, named as the CIGs name it and placed in the ward
 * of the first CIG that trades there.
 */
function vendingZones(population: DemoPopulation) {
  const byName = new Map<string, VendingZone & { vendors: number }>();
  const numbers = new Map<string, number>();
  const nextZoneId = (city: string) => {
    const n = (numbers.get(city) ?? 0) + 1;
    numbers.set(city, n);
    return `VZ-${city}-${String(n).padStart(4, '0')}`;
  };
  const key = (city: string, name: string) => `${city}|${name}`;

  for (const city of CITIES) {
    NO_VENDING_PLACES[city.code].forEach((place, i) => {
      const name = `${place} No-Vending Zone`;
      const ward = population.random(`municipal-no-vending-${city.code}`, i).int(1, city.wardCount);
      byName.set(key(city.code, name), {
        id: nextZoneId(city.code), name, cityCode: city.code, wardCode: wardCode(city.code, ward),
        zoneType: 'NO_VENDING', capacity: 0, vendors: 0, ...importedProvenance(RECORDED_BY, 'Town Vending Committee register', '2024-06-01'),
      });
    });
  }
  for (const cig of population.cigs()) {
    if (cig.occupation !== 'STREET_VENDOR') continue;
    const zoneKey = key(cig.city.code, cig.workLocation);
    const zone = byName.get(zoneKey) ?? {
      id: nextZoneId(cig.city.code), name: cig.workLocation, cityCode: cig.city.code, wardCode: wardCode(cig.city.code, cig.ward),
      zoneType: 'VENDING' as const, capacity: 0, vendors: 0, ...importedProvenance(RECORDED_BY, 'Town Vending Committee register', '2024-06-01'),
    };
    zone.vendors += Math.min(CIG_SIZE, population.workerCount - (cig.index - 1) * CIG_SIZE);
    byName.set(zoneKey, zone);
  }

  const all: VendingZone[] = [...byName.values()].map(({ vendors, ...zone }) =>
    // Half as many places again as the vendors trading there, so new certificates can be issued.
    zone.zoneType === 'NO_VENDING' ? zone : { ...zone, capacity: Math.ceil((vendors * 1.5) / 10) * 10 + 20 },
  );
  return { all, atWorkLocation: (cig: DemoCig) => byName.get(key(cig.city.code, cig.workLocation))! };
}

/**
 * 85% of vendors hold a certificate in their CIG's zone, issued once the CIG was formed and good
 * for five years. A few hold an older three-year certificate from the earlier survey that has
 * lapsed or falls due within two months, so renewal dashboards have something to count.
 */
function vendingCertificate(population: DemoPopulation, worker: DemoWorker, zone: VendingZone, asOf: string) {
  const rng = population.random('municipal-vending', worker.index);
  if (!rng.chance(0.85)) return null;
  let issuedOn = addDays(worker.joinedCigOn, rng.int(7, 90));
  let validUntil = addDays(addYears(issuedOn, 5), -1);
  if (rng.chance(0.08)) {
    validUntil = addDays(asOf, rng.int(-120, 60));
    issuedOn = addDays(addYears(validUntil, -3), 1);
  }
  return {
    workerId: worker.id,
    vendingZoneId: zone.id,
    category: rng.chance(0.7) ? ('STATIONARY' as const) : ('MOBILE' as const),
    goods: rng.pick(GOODS),
    issuedOn,
    validUntil,
    status: recordedStatus(rng),
    ...importedProvenance(RECORDED_BY, 'Town Vending Committee register', issuedOn),
  };
}

/**
 * 15% of vendors and home-based workers hold a trade licence. Licences run a year and most are
 * renewed on their anniversary, so the licence on file is the latest renewal before today.
 */
function tradeLicence(population: DemoPopulation, worker: DemoWorker, asOf: string) {
  const rng = population.random('municipal-trade', worker.index);
  if (!rng.chance(0.15)) return null;
  const [tradeCategory, suffix] = rng.pick(TRADES[worker.occupation as keyof typeof TRADES]);
  let issuedOn = addDays(worker.registeredOn, rng.int(15, 200));
  if (rng.chance(0.85)) while (addYears(issuedOn, 1) <= asOf) issuedOn = addYears(issuedOn, 1);
  const firstName = worker.name.slice(worker.name.indexOf(' ') + 1);
  return {
    workerId: worker.id,
    tradeName: `Sri ${firstName} ${suffix}`,
    tradeCategory,
    wardCode: wardCode(worker.city.code, worker.ward),
    issuedOn,
    validUntil: addDays(addYears(issuedOn, 1), -1),
    status: recordedStatus(rng),
    ...importedProvenance(RECORDED_BY, 'CDMA trade licence system', issuedOn),
  };
}

/** 70% of waste workers carry a card: most on the corporation's own rolls, the rest a contractor's. */
function sanitationWorkerId(population: DemoPopulation, worker: DemoWorker) {
  const rng = population.random('municipal-sanitation', worker.index);
  if (!rng.chance(0.7)) return null;
  const issuedOn = addDays(worker.joinedCigOn, rng.int(0, 90));
  return {
    workerId: worker.id,
    employer: rng.chance(0.6) ? `${worker.city.name} Municipal Corporation` : rng.pick(SANITATION_CONTRACTORS),
    wardCode: wardCode(worker.city.code, worker.ward),
    issuedOn,
    ...importedProvenance(RECORDED_BY, 'ULB public health section', issuedOn),
  };
}

function recordedStatus(rng: Random): RecordedStatus {
  const roll = rng.next();
  return roll < 0.02 ? 'CANCELLED' : roll < 0.05 ? 'SUSPENDED' : 'ACTIVE';
}

function serial(n: number): string {
  return String(n).padStart(6, '0');
}

export async function hasData(em: EntityManager): Promise<boolean> {
  return (await em.count(WardSchema)) > 0;
}
