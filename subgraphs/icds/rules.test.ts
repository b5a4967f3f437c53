/** ICDS's rules as plain functions: no server, no database. */
import { centreIdArg, enrolmentIdArg, exitDateRule, householdMemberRules, type HouseholdMember } from './rules';
import { refusal } from '../../test/support/rules';

describe('centreIdArg and enrolmentIdArg', () => {
  test('accept ids of their shape, trimmed', () => {
    expect(centreIdArg(' AWC-VJA-0001 ')).toBe('AWC-VJA-0001');
    expect(enrolmentIdArg('ICDS-0000042')).toBe('ICDS-0000042');
  });

  test.each(['AWC-VJA-1', 'awc-vja-0001', 'VZ-VJA-0001', ''])('a centre id %j is refused, naming the field', (value) => {
    expect(refusal(() => centreIdArg(value))).toEqual({ code: 'BAD_USER_INPUT', field: 'centreId' });
    expect(refusal(() => centreIdArg(value, 'id'))).toEqual({ code: 'BAD_USER_INPUT', field: 'id' });
  });

  test.each(['ICDS-42', 'ICDS-00000042', 'AWC-VJA-0001'])('an enrolment id %j is refused', (value) => {
    expect(refusal(() => enrolmentIdArg(value))).toEqual({ code: 'BAD_USER_INPUT', field: 'id' });
  });
});

describe('householdMemberRules', () => {
  const ON = '2025-06-01';
  const child: HouseholdMember = { beneficiaryType: 'CHILD', relationToWorker: 'CHILD', dateOfBirth: '2022-03-01' };
  const pregnant: HouseholdMember = { beneficiaryType: 'PREGNANT_WOMAN', relationToWorker: 'SPOUSE', expectedDeliveryDate: '2025-10-01' };
  const lactating: HouseholdMember = { beneficiaryType: 'LACTATING_MOTHER', relationToWorker: 'SELF', deliveryDate: '2025-03-01' };

  test('accepts a child under six, a woman expecting within nine months and a mother within six months of delivery', () => {
    for (const member of [child, pregnant, lactating]) expect(refusal(() => householdMemberRules(member, ON))).toBeUndefined();
    expect(refusal(() => householdMemberRules({ ...child, dateOfBirth: '2019-06-02' }, ON))).toBeUndefined(); // a day short of six
  });

  test.each<[string, HouseholdMember, string]>([
    ['a child of six', { ...child, dateOfBirth: '2019-06-01' }, 'dateOfBirth'],
    ['a child not born yet', { ...child, dateOfBirth: '2025-06-02' }, 'dateOfBirth'],
    ['a child without a date of birth', { ...child, dateOfBirth: null }, 'dateOfBirth'],
    ['a child related as SPOUSE', { ...child, relationToWorker: 'SPOUSE' }, 'relationToWorker'],
    ['a child with an expected delivery date', { ...child, expectedDeliveryDate: '2025-10-01' }, 'expectedDeliveryDate'],
    ['a pregnant woman related as CHILD', { ...pregnant, relationToWorker: 'CHILD' }, 'relationToWorker'],
    ['a delivery expected before enrolment', { ...pregnant, expectedDeliveryDate: '2025-05-31' }, 'expectedDeliveryDate'],
    ['a delivery expected more than nine months ahead', { ...pregnant, expectedDeliveryDate: '2026-03-02' }, 'expectedDeliveryDate'],
    ['a pregnant woman with a date of birth', { ...pregnant, dateOfBirth: '1995-01-01' }, 'dateOfBirth'],
    ['a lactating mother who has not delivered', { ...lactating, deliveryDate: '2025-06-02' }, 'deliveryDate'],
    ['a lactating mother more than six months after delivery', { ...lactating, deliveryDate: '2024-11-30' }, 'deliveryDate'],
    ['a lactating mother without a delivery date', { ...lactating, deliveryDate: undefined }, 'deliveryDate'],
  ])('refuses %s (BAD_USER_INPUT naming the field)', (_, member, field) => {
    expect(refusal(() => householdMemberRules(member, ON))).toEqual({ code: 'BAD_USER_INPUT', field });
  });
});

describe('exitDateRule', () => {
  const enrolment = { id: 'ICDS-0000042', enrolledOn: '2025-01-10' };

  test('accepts an exit on or after the enrolment day', () => {
    expect(refusal(() => exitDateRule(enrolment, '2025-01-10'))).toBeUndefined();
    expect(refusal(() => exitDateRule(enrolment, '2025-06-01'))).toBeUndefined();
  });

  test('refuses an exit before the enrolment', () => {
    expect(refusal(() => exitDateRule(enrolment, '2025-01-09'))).toEqual({ code: 'BAD_USER_INPUT', field: 'exitedOn' });
  });
});
