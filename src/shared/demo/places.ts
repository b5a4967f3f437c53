/** The two pilot cities of MEPMA's Vulnerable Occupational Groups project and their localities. */
export interface DemoCity {
  code: 'VJA' | 'GVMC';
  name: string;
  district: string;
  state: 'AP';
  wardCount: number;
  /** Neighbourhoods; ward N lies in localities[(N - 1) % localities.length]. */
  localities: readonly string[];
  /** The RTO code that prefixes driving licence numbers issued in the city. */
  rtoCode: string;
}

export const CITIES: readonly DemoCity[] = [
  {
    code: 'VJA',
    name: 'Vijayawada',
    district: 'NTR',
    state: 'AP',
    wardCount: 64,
    rtoCode: 'AP16',
    localities: [
      'Benz Circle', 'Governorpet', 'One Town', 'Patamata', 'Gunadala', 'Ajit Singh Nagar',
      'Labbipet', 'Moghalrajpuram', 'Bhavanipuram', 'Krishna Lanka', 'Satyanarayanapuram',
      'Payakapuram', 'Ramavarappadu', 'Vidyadharapuram', 'Kothapet', 'Currency Nagar',
    ],
  },
  {
    code: 'GVMC',
    name: 'Greater Visakhapatnam',
    district: 'Visakhapatnam',
    state: 'AP',
    wardCount: 98,
    rtoCode: 'AP31',
    localities: [
      'Dwaraka Nagar', 'MVP Colony', 'Gajuwaka', 'Maddilapalem', 'Jagadamba', 'Seethammadhara',
      'Akkayyapalem', 'Pendurthi', 'Madhurawada', 'Kancharapalem', 'Gopalapatnam', 'Arilova',
      'Allipuram', 'Marripalem', 'Old Town', 'Simhachalam', 'Sheelanagar', 'Malkapuram',
    ],
  },
];

export function cityByCode(code: string): DemoCity | undefined {
  return CITIES.find((city) => city.code === code);
}

/** Ward codes are `<ULB>-W<nn>`, e.g. `VJA-W07`: the form filters and jurisdictions use. */
export function wardCode(city: string, ward: number): string {
  return `${city}-W${String(ward).padStart(2, '0')}`;
}

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
