import type { EntityManager } from '@mikro-orm/postgresql';
import { BulkWriter } from '../../src/shared/demo/bulk.js';
import { DEMO_CITIES, wardLocality, type DemoCityCode } from '../../src/shared/demo/places.js';
import { wardCode } from '../../src/shared/reference/index.js';
import { CIG_SIZE, type DemoCig, type DemoPopulation, type DemoWorker } from '../../src/shared/demo/population.js';
import { type Random } from '../../src/shared/demo/random.js';
import { advanceSequence } from '../../src/shared/transactions.js';
import { addMonths, addYears, today } from '../../src/shared/dates.js';
import { addDays } from '../../src/shared/demo/days.js';
import { importedProvenance } from '../../src/shared/provenance.js';
import {
  SanitationWorkerIdSchema, SVANIDHI_TRANCHES, SvanidhiLoanSchema, TradeLicenceSchema, VendingCertificateSchema, VendingZoneSchema, WardSchema,
  type RecordedStatus, type SvanidhiLoan, type SvanidhiLoanStatus, type TradeCategory, type VendingZone,
} from './entities.js';

const RECORDED_BY = 'municipal-demo-import';

/** Places the town vending committees keep clear of vendors. */
const NO_VENDING_PLACES: Record<DemoCityCode, string[]> = {
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
 * The corporations issue papers at camps, not over the counter every day: the town vending
 * committee's certificate camps every eight weeks and the revenue section's quarterly trade-licence
 * drives, each on a Saturday in each city. Papers issued at one camp fall due together (a trade
 * licence is renewed on its anniversary), so the weeks of a renewal report hold a camp's worth of
 * papers or none, as they do on the ground.
 */
export const CAMPS = {
  certificate: { everyDays: 56, first: { VJA: '2020-01-04', GVMC: '2020-01-18' } },
  licence: { everyDays: 91, first: { VJA: '2020-01-11', GVMC: '2020-01-25' } },
} as const satisfies Record<string, { everyDays: number; first: Record<DemoCityCode, string> }>;

/** The first camp of that kind in the city on or after `day`. */
function campOnOrAfter(kind: keyof typeof CAMPS, city: DemoCityCode, day: string): string {
  const { everyDays, first } = CAMPS[kind];
  const daysSinceFirst = (Date.parse(day) - Date.parse(first[city])) / 86_400_000;
  return addDays(first[city], Math.ceil(daysSinceFirst / everyDays) * everyDays);
}

/**
 * Municipal's share of the demo: the wards of both cities, a vending zone at every street-vendor
 * CIG's work location (and a few no-vending zones), the vendors', home-based and waste workers'
 * papers, and the PM SVANidhi loans of vendors holding a valid certificate. Validity dates that
 * must stay meaningful (licences due for renewal, lapsed certificates, loans being repaid) are
 * reckoned from the day of seeding; everything else follows the population.
 */
export async function seed(em: EntityManager, population: DemoPopulation, progress?: (done: number) => void): Promise<void> {
  const bulk = new BulkWriter(em);
  const asOf = today();

  for (const city of DEMO_CITIES) {
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

  const counters = { certificates: 0, licences: 0, sanitationIds: 0, loans: 0 };
  for (const worker of population.workers()) {
    if (worker.occupation === 'STREET_VENDOR') {
      const certificate = vendingCertificate(population, worker, zones.atWorkLocation(worker.cig), asOf);
      if (certificate) {
        counters.certificates += 1;
        const certificateNumber = `${worker.city.code}/SVC/${certificate.issuedOn.slice(0, 4)}/${serial(counters.certificates)}`;
        await bulk.add(VendingCertificateSchema, { certificateNumber, ...certificate });
        for (const loan of svanidhiLoans(population, worker, { certificateNumber, ...certificate }, asOf)) {
          counters.loans += 1;
          await bulk.add(SvanidhiLoanSchema, { id: `SVL-${String(counters.loans).padStart(7, '0')}`, ...loan });
        }
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
  await advanceSequence(em, 'svanidhi_loan_number_seq', counters.loans);
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

  for (const city of DEMO_CITIES) {
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
 * 85% of vendors hold a certificate in their CIG's zone, issued at the first camp after they
 * joined the CIG and good for five years. Some hold an older three-year certificate from the
 * earlier survey's camps that has lapsed or falls due within about two months, so renewal
 * dashboards have something to count.
 */
function vendingCertificate(population: DemoPopulation, worker: DemoWorker, zone: VendingZone, asOf: string) {
  const rng = population.random('municipal-vending', worker.index);
  if (!rng.chance(0.85)) return null;
  let issuedOn = campOnOrAfter('certificate', worker.city.code, addDays(worker.joinedCigOn, rng.int(7, 90)));
  let validUntil = addDays(addYears(issuedOn, 5), -1);
  if (rng.chance(0.15)) {
    const due = addDays(asOf, rng.int(-120, 60));
    issuedOn = campOnOrAfter('certificate', worker.city.code, addDays(addYears(due, -3), 1));
    validUntil = addDays(addYears(issuedOn, 3), -1);
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
 * PM SVANidhi has reached a share of the vendors holding a valid certificate that differs by ward
 * (the outreach of the ULB's camps): a first loan sanctioned weeks after the certificate, and for
 * some who repaid it the next tranche, up to the third. A loan still being repaid is disbursed, a
 * few overdue; one past its term repaid or overdue; one sanctioned in the last fortnight not yet
 * paid out.
 */
function svanidhiLoans(
  population: DemoPopulation,
  worker: DemoWorker,
  certificate: { certificateNumber: string; issuedOn: string; validUntil: string; status: RecordedStatus },
  asOf: string,
): Omit<SvanidhiLoan, 'id'>[] {
  const valid = certificate.status === 'ACTIVE' && certificate.issuedOn <= asOf && certificate.validUntil >= asOf;
  const rng = population.random('municipal-svanidhi', worker.index);
  if (!valid || !rng.chance(population.outreach('PM_SVANIDHI', worker.city.code, worker.ward, worker.occupation))) return [];
  const loans: Omit<SvanidhiLoan, 'id'>[] = [];
  let sanctionedOn = addDays(certificate.issuedOn, rng.int(20, 150));
  for (const { tranche, amount, months } of SVANIDHI_TRANCHES) {
    if (sanctionedOn > asOf) break;
    const termEnds = addMonths(sanctionedOn, months);
    const status: SvanidhiLoanStatus =
      addDays(sanctionedOn, 14) > asOf ? 'SANCTIONED'
        : termEnds > asOf ? (rng.chance(0.9) ? 'DISBURSED' : 'OVERDUE')
          : rng.chance(0.75) ? 'REPAID' : 'OVERDUE';
    loans.push({
      workerId: worker.id,
      certificateNumber: certificate.certificateNumber,
      tranche,
      amount,
      sanctionedOn,
      status,
      ...importedProvenance(RECORDED_BY, 'PM SVANidhi portal', sanctionedOn, lastChangedOn(status, sanctionedOn, termEnds, asOf)),
    });
    // The next tranche is for a vendor who repaid this one and asked for more.
    if (status !== 'REPAID' || !rng.chance(0.6)) break;
    sanctionedOn = addDays(termEnds, rng.int(7, 90));
  }
  return loans;
}

/**
 * 15% of vendors and home-based workers hold a trade licence, first issued at a licence drive
 * within a year of registering. Licences run a year and most are renewed on their anniversary,
 * so the licence on file is the latest renewal before today.
 */
function tradeLicence(population: DemoPopulation, worker: DemoWorker, asOf: string) {
  const rng = population.random('municipal-trade', worker.index);
  if (!rng.chance(0.15)) return null;
  const [tradeCategory, suffix] = rng.pick(TRADES[worker.occupation as keyof typeof TRADES]);
  let issuedOn = campOnOrAfter('licence', worker.city.code, addDays(worker.registeredOn, rng.int(15, 365)));
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

/** When a loan last changed: paid out a week after sanction, repaid or fallen behind by the end of its term. */
function lastChangedOn(status: SvanidhiLoanStatus, sanctionedOn: string, termEnds: string, asOf: string): string {
  if (status === 'SANCTIONED') return sanctionedOn;
  if (status === 'DISBURSED') return addDays(sanctionedOn, 7);
  return termEnds < asOf ? termEnds : asOf;
}

function serial(n: number): string {
  return String(n).padStart(6, '0');
}

export async function hasData(em: EntityManager): Promise<boolean> {
  return (await em.count(WardSchema)) > 0;
}
