import { cityByCode, type City } from '../reference/index.js';

/**
 * The demo's cities: the two pilot cities of MEPMA's Vulnerable Occupational Groups project, in
 * this order (the generator draws 55% of CIGs from the first), with made-up localities. Their
 * names, wards and RTOs are reference data (../reference/places.json); the demo seeds only these
 * two, however many cities the hub serves, so that the same seed gives the same people.
 */
const LOCALITIES = {
  VJA: [
    'Benz Circle', 'Governorpet', 'One Town', 'Patamata', 'Gunadala', 'Ajit Singh Nagar',
    'Labbipet', 'Moghalrajpuram', 'Bhavanipuram', 'Krishna Lanka', 'Satyanarayanapuram',
    'Payakapuram', 'Ramavarappadu', 'Vidyadharapuram', 'Kothapet', 'Currency Nagar',
  ],
  GVMC: [
    'Dwaraka Nagar', 'MVP Colony', 'Gajuwaka', 'Maddilapalem', 'Jagadamba', 'Seethammadhara',
    'Akkayyapalem', 'Pendurthi', 'Madhurawada', 'Kancharapalem', 'Gopalapatnam', 'Arilova',
    'Allipuram', 'Marripalem', 'Old Town', 'Simhachalam', 'Sheelanagar', 'Malkapuram',
  ],
} as const satisfies Record<string, readonly string[]>;

/** A city the demo seeds (the demo's own list, not every city the hub serves). */
export type DemoCityCode = keyof typeof LOCALITIES;

export interface DemoCity extends City {
  code: DemoCityCode;
  /** Neighbourhoods; ward N lies in localities[(N - 1) % localities.length]. */
  localities: readonly string[];
}

export const DEMO_CITIES: readonly DemoCity[] = (Object.keys(LOCALITIES) as DemoCityCode[]).map((code) => {
  const city = cityByCode(code);
  if (!city) throw new Error(`The demo seeds city ${code}, which src/shared/reference/places.json does not list.`);
  return { ...city, code, localities: LOCALITIES[code] };
});

/**
 * A ward's locality, distinct within its city: the neighbourhoods in turn, then their northern,
 * southern ... parts once every neighbourhood has a ward (`Gunadala`, later `Gunadala North`).
 */
export function wardLocality(city: DemoCity, ward: number): string {
  const part = WARD_PARTS[Math.floor((ward - 1) / city.localities.length) % WARD_PARTS.length];
  return `${city.localities[(ward - 1) % city.localities.length]}${part}`;
}

const WARD_PARTS = ['', ' North', ' South', ' East', ' West', ' Extension', ' New Colony', ' Old Town'] as const;

export const FEMALE_NAMES = [
  'Lakshmi', 'Padma', 'Sravani', 'Durga', 'Anitha', 'Kavitha', 'Swathi', 'Bhavani', 'Sujatha',
  'Ramadevi', 'Nagamani', 'Vijaya', 'Sarojini', 'Manga', 'Sirisha', 'Haritha', 'Jyothi', 'Radha',
  'Aruna', 'Rani', 'Kumari', 'Satyavathi', 'Venkata Lakshmi', 'Parvathi', 'Mounika', 'Divya',
  'Sunitha', 'Rajeswari', 'Annapurna', 'Krishnaveni', 'Shaik Parveen', 'Mary', 'Salma',
] as const;

export const MALE_NAMES = [
  'Ramesh', 'Suresh', 'Srinivas', 'Venkatesh', 'Nagaraju', 'Ravi', 'Prasad', 'Satish', 'Mahesh',
  'Raju', 'Krishna', 'Anil', 'Chandra Sekhar', 'Naresh', 'Gopi', 'Kiran', 'Rambabu', 'Appa Rao',
  'Subba Rao', 'Koteswara Rao', 'Durga Prasad', 'Sai Kumar', 'Vamsi', 'Praveen', 'Murali',
  'Shaik Basha', 'Yesu Babu', 'John', 'Abdul Rahim', 'Siva', 'Hari Babu', 'Pavan',
] as const;

export const SURNAMES = [
  'Kondapalli', 'Gorantla', 'Pothula', 'Yarlagadda', 'Bandaru', 'Chinta', 'Gudivada', 'Kolla',
  'Maddula', 'Nalla', 'Pilla', 'Reddi', 'Sanaboina', 'Tamarana', 'Vanapalli', 'Allu', 'Boddu',
  'Dasari', 'Gandi', 'Jami', 'Karri', 'Lanka', 'Mutyala', 'Palla', 'Sirigiri', 'Uppada', 'Veera',
  'Yalla', 'Mylapalli', 'Kandregula', 'Peela', 'Gedela', 'Chintapalli', 'Bonu',
] as const;
