/**
 * The demo population, mirroring MEPMA's pilot: 4,090 workers in 818 Common Interest Groups
 * of five, in Vijayawada and Greater Visakhapatnam. It is a pure function of (seed, size):
 * each agency seeds its own database from the facts it owns, and all agencies agree on who
 * worker W-0001234 is without ever reading each other's tables.
 */
import { DEMO_CITIES, FEMALE_NAMES, MALE_NAMES, SURNAMES, wardLocality, type DemoCity } from './places.js';
import { NCO_CODE, type CigRole, type Occupation } from '../reference/index.js';
import { addDays } from './days.js';
import { Random } from './random.js';

export type Gender = 'FEMALE' | 'MALE' | 'TRANSGENDER';

export type WorkLocationKind =
  | 'AUTO_STAND' | 'DELIVERY_HUB' | 'RESIDENTIAL_CLUSTER' | 'WASTE_COLLECTION_POINT'
  | 'LABOUR_ADDA' | 'VENDING_ZONE' | 'HOME_CLUSTER';

/** How each occupation gathers: CIGs are formed by work location (auto stands for drivers...). */
export const WORK_LOCATION: Record<DemoOccupation, { kind: WorkLocationKind; label: string; groupName: string }> = {
  TRANSPORT: { kind: 'AUTO_STAND', label: 'Auto Stand', groupName: 'Auto Drivers' },
  GIG: { kind: 'DELIVERY_HUB', label: 'Delivery Hub', groupName: 'Delivery Riders' },
  DOMESTIC: { kind: 'RESIDENTIAL_CLUSTER', label: 'Residential Cluster', groupName: 'Domestic Workers' },
  CARE: { kind: 'RESIDENTIAL_CLUSTER', label: 'Care Cluster', groupName: 'Care Workers' },
  WASTE: { kind: 'WASTE_COLLECTION_POINT', label: 'Dry Waste Collection Centre', groupName: 'Waste Pickers' },
  CONSTRUCTION: { kind: 'LABOUR_ADDA', label: 'Labour Adda', groupName: 'Construction Workers' },
  STREET_VENDOR: { kind: 'VENDING_ZONE', label: 'Vending Zone', groupName: 'Street Vendors' },
  HOME_BASED: { kind: 'HOME_CLUSTER', label: 'Home Workers Cluster', groupName: 'Home-based Workers' },
};

/** The pilot's six categories, street vendors, and home-based workers (NULM 2.0's eighth). */
const CIG_OCCUPATION_WEIGHTS = {
  TRANSPORT: 20, GIG: 10, DOMESTIC: 18, CARE: 8, WASTE: 12, CONSTRUCTION: 17, STREET_VENDOR: 15, HOME_BASED: 7,
} as const satisfies Record<Occupation, number>;

/**
 * The occupations the demo draws (each one of the vocabulary's, which population.test.ts
 * checks): the demo's own list, so that every table below must say something of each.
 */
export type DemoOccupation = keyof typeof CIG_OCCUPATION_WEIGHTS;

const FEMALE_SHARE: Record<DemoOccupation, number> = {
  TRANSPORT: 0.04, GIG: 0.1, DOMESTIC: 0.92, CARE: 0.88, WASTE: 0.6, CONSTRUCTION: 0.35,
  STREET_VENDOR: 0.5, HOME_BASED: 0.85,
};

export const CIG_SIZE = 5;
const ROLE_BY_POSITION: CigRole[] = ['PRESIDENT', 'SECRETARY', 'TREASURER', 'MEMBER', 'MEMBER'];

export interface DemoCig {
  /** 1-based position in the population. */
  index: number;
  id: string;
  name: string;
  occupation: DemoOccupation;
  city: DemoCity;
  ward: number;
  locality: string;
  workLocation: string;
  workLocationKind: WorkLocationKind;
  formedOn: string;
}

export interface DemoWorker {
  index: number;
  id: string;
  name: string;
  gender: Gender;
  dateOfBirth: string;
  phone: string;
  idLast4: string;
  idToken: string;
  occupation: DemoOccupation;
  ncoCode: string;
  city: DemoCity;
  ward: number;
  registeredOn: string;
  eShramUan: string | null;
  cig: DemoCig;
  cigRole: CigRole;
  /** The CIG joined on its formation day or within two months after. */
  joinedCigOn: string;
}

export function workerId(index: number): string {
  return `W-${String(index).padStart(7, '0')}`;
}

export function cigId(index: number): string {
  return `CIG-${String(index).padStart(6, '0')}`;
}

export class DemoPopulation {
  readonly cigCount: number;
  private readonly cigCache = new Map<number, DemoCig>();

  constructor(readonly seed: number, readonly workerCount: number) {
    this.cigCount = Math.ceil(workerCount / CIG_SIZE);
  }

  /** A PRNG for one purpose and one record; agencies use their own purpose names. */
  random(purpose: string, index: number): Random {
    return new Random(this.seed, purpose, index);
  }

  /**
   * How far one programme (a scheme, bank linkage, savings) has reached in one ward and
   * occupation: a share from about 0.1 to 0.9, fixed by the seed, so that uptake differs from
   * ward to ward and trade to trade as it does on the ground, and every agency's seed that
   * writes that programme's records draws against the same share.
   */
  outreach(programme: string, cityCode: string, ward: number, occupation: Occupation): number {
    const inWard = new Random(this.seed, 'outreach', programme, cityCode, ward).next();
    const inTrade = new Random(this.seed, 'outreach', programme, occupation).next();
    return Math.min(0.92, 0.1 + 0.55 * inWard + 0.35 * inTrade);
  }

  cig(index: number): DemoCig {
    const cached = this.cigCache.get(index);
    if (cached) return cached;
    const rng = this.random('cig', index);
    const city = rng.chance(0.55) ? DEMO_CITIES[0] : DEMO_CITIES[1];
    const occupation = rng.weighted(CIG_OCCUPATION_WEIGHTS);
    const ward = rng.int(1, city.wardCount);
    const locality = wardLocality(city, ward);
    const place = WORK_LOCATION[occupation];
    const cig: DemoCig = {
      index,
      id: cigId(index),
      name: `${locality} ${place.groupName} CIG ${index}`,
      occupation,
      city,
      ward,
      locality,
      workLocation: `${locality} ${place.label}`,
      workLocationKind: place.kind,
      formedOn: rng.dateBetween('2024-11-01', '2025-03-31'),
    };
    if (this.cigCache.size < 10_000) this.cigCache.set(index, cig);
    return cig;
  }

  worker(index: number): DemoWorker {
    const rng = this.random('worker', index);
    const cig = this.cig(Math.ceil(index / CIG_SIZE));
    const occupation = cig.occupation;
    const gender: Gender = rng.chance(0.003) ? 'TRANSGENDER' : rng.chance(FEMALE_SHARE[occupation]) ? 'FEMALE' : 'MALE';
    const first = rng.pick(gender === 'FEMALE' ? FEMALE_NAMES : gender === 'MALE' ? MALE_NAMES : [...FEMALE_NAMES, ...MALE_NAMES]);
    const surname = rng.pick(SURNAMES);
    const registeredOn = addDays(cig.formedOn, -rng.int(0, 30));
    return {
      index,
      id: workerId(index),
      name: `${surname} ${first}`,
      gender,
      dateOfBirth: rng.dateBetween('1967-01-01', '2006-06-30'),
      phone: uniquePhone(index),
      idLast4: rng.digits(4),
      idToken: `ADV-${uniqueDigits(index, 104_729, 12)}`,
      occupation,
      ncoCode: NCO_CODE[occupation],
      city: cig.city,
      ward: cig.ward,
      registeredOn,
      eShramUan: rng.chance(0.7) ? `${[1, 2, 3][index % 3]}${uniqueDigits(index, 15_485_863, 11)}` : null,
      cig,
      cigRole: ROLE_BY_POSITION[(index - 1) % CIG_SIZE],
      joinedCigOn: addDays(cig.formedOn, (index - 1) % CIG_SIZE < 3 ? 0 : rng.int(0, 60)),
    };
  }

  *workers(from = 1, to = this.workerCount): Generator<DemoWorker> {
    for (let i = from; i <= to; i++) yield this.worker(i);
  }

  *cigs(): Generator<DemoCig> {
    for (let i = 1; i <= this.cigCount; i++) yield this.cig(i);
  }

  /** The members of a CIG, in role order (president first). */
  *members(cig: DemoCig): Generator<DemoWorker> {
    const first = (cig.index - 1) * CIG_SIZE + 1;
    for (let i = first; i < first + CIG_SIZE && i <= this.workerCount; i++) yield this.worker(i);
  }
}

/** Ten-digit Indian mobile numbers, distinct for every worker index (a bijection mod 10^9). */
function uniquePhone(index: number): string {
  return `${[9, 8, 7, 6][index % 4]}${uniqueDigits(index, 7919, 9)}`;
}

function uniqueDigits(index: number, multiplier: number, width: number): string {
  const product = index * multiplier + 12_345;
  // Plain numbers are exact below 2^53 (any worker index up to W-9999999) and far cheaper than BigInt.
  if (Number.isSafeInteger(product) && width <= 15) return String(product % 10 ** width).padStart(width, '0');
  const modulus = 10n ** BigInt(width);
  const value = (BigInt(index) * BigInt(multiplier) + 12_345n) % modulus;
  return value.toString().padStart(width, '0');
}
