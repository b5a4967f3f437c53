/** The sensitive-data heuristic: names split into words, then matched; descriptions that say so. */
import { parse, type ObjectTypeDefinitionNode } from 'graphql';
import { isQuasiIdentifier, nameWords, sensitiveReason } from './sensitive';

const field = (definition: string) => (parse(`type T { ${definition} }`).definitions[0] as ObjectTypeDefinitionNode).fields![0]!;

test('field names are split into lower-case words', () => {
  expect(nameWords('dateOfBirth')).toBe('date of birth');
  expect(nameWords('eShramUan')).toBe('e shram uan');
  expect(nameWords('PAN')).toBe('pan');
  expect(nameWords('PANNumber')).toBe('pan number');
  expect(nameWords('voter_id-card')).toBe('voter id card');
  expect(nameWords('idLast4')).toBe('id last4');
});

test('whole words only: a ward address is contact details, a password or a company is not', () => {
  expect(sensitiveReason('Licence', field('wardAddress: String'))).toBe('contact details');
  expect(sensitiveReason('Licence', field('password: String'))).toBeUndefined();
  expect(sensitiveReason('Licence', field('company: String'))).toBeUndefined();
  expect(sensitiveReason('Licence', field('panNumber: String'))).toBe('an identity number');
  expect(sensitiveReason('Enrolment', field('expectedDeliveryDate: String'))).toBe('maternal data');
  expect(sensitiveReason('Enrolment', field('disabilityStatus: String'))).toBe('special-category data');
  expect(sensitiveReason('Enrolment', field('upiHandle: String'))).toBe('a financial account');
  expect(sensitiveReason('Cig', field('surname: String'))).toBe("a person's name");
});

test("`name` is a person's name only on a person's type", () => {
  expect(sensitiveReason('Nominee', field('name: String'))).toBe("a person's name");
  expect(sensitiveReason('Centre', field('name: String'))).toBeUndefined();
});

test('a description saying personal data or Aadhaar makes any field sensitive', () => {
  expect(sensitiveReason('T', field('"Personal data of the holder." notes: String'))).toBe('described as sensitive');
  expect(sensitiveReason('T', field('"Last digits of the AADHAAR." ref: String'))).toBe('described as sensitive');
  expect(sensitiveReason('T', field('"When it was issued." issuedOn: String'))).toBeUndefined();
});

test('a date of birth is a quasi-identifier, not sensitive', () => {
  for (const name of ['dateOfBirth', 'dob', 'birthDate', 'birthday']) expect([name, isQuasiIdentifier(name)]).toEqual([name, true]);
  expect(isQuasiIdentifier('registeredOn')).toBe(false);
  expect(sensitiveReason('Worker', field('dateOfBirth: String'))).toBeUndefined();
});
