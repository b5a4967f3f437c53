import { CIG_SIZE, DemoPopulation, WORK_LOCATION } from './population';
import { DEMO_CITIES } from './places';
import { NCO_CODE, OCCUPATIONS, cityByCode } from '../reference/index';

test('the default demo mirrors the pilot: 4,090 workers in 818 CIGs of five', () => {
  const population = new DemoPopulation(2024, 4090);
  expect(population.cigCount).toBe(818);
  const cig = population.cig(17);
  const members = [...population.members(cig)];
  expect(members).toHaveLength(CIG_SIZE);
  expect(members.map((m) => m.cigRole)).toEqual(['PRESIDENT', 'SECRETARY', 'TREASURER', 'MEMBER', 'MEMBER']);
  for (const member of members) {
    expect(member).toMatchObject({ occupation: cig.occupation, city: cig.city, ward: cig.ward });
    expect(member.joinedCigOn >= cig.formedOn).toBe(true);
  }
});

test('the same seed gives the same people; another seed gives others', () => {
  expect(new DemoPopulation(2024, 100).worker(42)).toEqual(new DemoPopulation(2024, 100).worker(42));
  expect(new DemoPopulation(7, 100).worker(42).dateOfBirth).not.toEqual(new DemoPopulation(2024, 100).worker(42).dateOfBirth);
});

test('phones, ID references and e-Shram UANs are unique, as the registers require', () => {
  const population = new DemoPopulation(2024, 20_000);
  const phones = new Set<string>();
  const tokens = new Set<string>();
  const uans = new Set<string>();
  let withUan = 0;
  for (const worker of population.workers()) {
    expect(worker.phone).toMatch(/^[6-9]\d{9}$/);
    phones.add(worker.phone);
    tokens.add(worker.idToken);
    if (worker.eShramUan) {
      withUan += 1;
      uans.add(worker.eShramUan);
    }
  }
  expect(phones.size).toBe(20_000);
  expect(tokens.size).toBe(20_000);
  expect(uans.size).toBe(withUan);
  expect([...uans].every((uan) => /^\d{12}$/.test(uan))).toBe(true);
});

test('worker W-0001234 of the default demo is who he has always been', () => {
  const { cig, city, ...worker } = new DemoPopulation(2024, 4090).worker(1234);
  expect({ ...worker, city: city.code, cig: { id: cig.id, name: cig.name, workLocationKind: cig.workLocationKind, formedOn: cig.formedOn } }).toEqual({
    index: 1234, id: 'W-0001234', name: 'Mylapalli Prasad', gender: 'MALE', dateOfBirth: '2000-03-13', phone: '7009784391', idLast4: '5482',
    idToken: 'ADV-000129247931', occupation: 'TRANSPORT', ncoCode: '8322', ward: 17, registeredOn: '2024-11-26', eShramUan: '219109567287',
    cigRole: 'MEMBER', joinedCigOn: '2025-01-20', city: 'VJA',
    cig: { id: 'CIG-000247', name: 'Benz Circle North Auto Drivers CIG 247', workLocationKind: 'AUTO_STAND', formedOn: '2024-12-25' },
  });
});

test("the demo seeds the pilot's two cities, as the reference describes them, however many it lists", () => {
  expect(DEMO_CITIES.map((city) => city.code)).toEqual(['VJA', 'GVMC']);
  for (const { localities, ...city } of DEMO_CITIES) {
    expect(city).toEqual(cityByCode(city.code));
    expect(localities.length).toBeGreaterThan(0);
  }
  const seeded = new Set([...new DemoPopulation(2024, 4090).cigs()].map((cig) => cig.city.code));
  expect([...seeded].sort()).toEqual(['GVMC', 'VJA']);
});

test("the demo draws only occupations of the vocabulary, with the vocabulary's NCO codes", () => {
  for (const occupation of Object.keys(WORK_LOCATION)) expect(OCCUPATIONS).toContain(occupation);
  const drawn = new Set<string>();
  for (const worker of new DemoPopulation(2024, 4090).workers()) {
    expect(worker.ncoCode).toBe(NCO_CODE[worker.occupation]);
    drawn.add(worker.occupation);
  }
  // Today's vocabulary is the demo's: all eight are drawn.
  expect([...drawn].sort()).toEqual(Object.keys(WORK_LOCATION).sort());
});
