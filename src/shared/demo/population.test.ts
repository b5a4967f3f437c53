import { CIG_SIZE, DemoPopulation } from './population';

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
