/** Labour's rules as plain functions: no server, no database. */
import { idReferenceTokenArg, ncoCodeArg, registrationAge, schemeEligibility, schemeIneligibility, workerLookupArgs } from './rules';
import { refusal } from '../../test/support/rules';

describe('idReferenceTokenArg', () => {
  test('accepts an Aadhaar Data Vault reference, trimmed', () => {
    expect(idReferenceTokenArg('  ADV-VJA-000123 ')).toBe('ADV-VJA-000123');
    expect(idReferenceTokenArg('vault:ab_12-CD')).toBe('vault:ab_12-CD');
  });

  test.each(['123412341234', '1234 1234 1234'])('refuses an Aadhaar number itself (%s), which is never stored', (value) => {
    expect(refusal(() => idReferenceTokenArg(value))).toEqual({ code: 'BAD_USER_INPUT', field: 'idReferenceToken' });
  });

  test.each(['short', 'x'.repeat(65), 'ADV/VJA/1234', 'ADV VJA 1234'])('refuses a token of the wrong shape (%s)', (value) => {
    expect(refusal(() => idReferenceTokenArg(value))).toEqual({ code: 'BAD_USER_INPUT', field: 'idReferenceToken' });
  });
});

describe('ncoCodeArg', () => {
  test('accepts an NCO-2015 family or occupation code', () => {
    expect(ncoCodeArg('8322')).toBe('8322');
    expect(ncoCodeArg('8322.0100')).toBe('8322.0100');
  });

  test.each(['832', '8322.01', '8322-0100', 'driver'])('refuses %s', (value) => {
    expect(refusal(() => ncoCodeArg(value))).toEqual({ code: 'BAD_USER_INPUT', field: 'ncoCode' });
  });
});

describe('registrationAge', () => {
  test('accepts workers from their 14th birthday to 80', () => {
    expect(refusal(() => registrationAge('2011-06-01', '2025-06-01'))).toBeUndefined();
    expect(refusal(() => registrationAge('1945-06-02', '2025-06-01'))).toBeUndefined();
  });

  test.each([
    ['a day short of 14', '2011-06-02'],
    ['81', '1944-06-01'],
  ])('refuses a worker %s', (_, dateOfBirth) => {
    expect(refusal(() => registrationAge(dateOfBirth, '2025-06-01'))).toEqual({ code: 'BAD_USER_INPUT', field: 'dateOfBirth' });
  });
});

describe('schemeEligibility', () => {
  const driver = { dateOfBirth: '1990-01-01', occupation: 'TRANSPORT' as const };
  const mason = { dateOfBirth: '1990-01-01', occupation: 'CONSTRUCTION' as const };

  test('accepts a worker inside the scheme\'s ages, and any worker for a scheme without published limits', () => {
    expect(schemeIneligibility('PM_SYM', driver, '2025-06-01')).toBeNull();
    expect(refusal(() => schemeEligibility('PMSBY', driver, '2025-06-01'))).toBeUndefined();
    expect(refusal(() => schemeEligibility('BOCW', mason, '2025-06-01'))).toBeUndefined();
    expect(refusal(() => schemeEligibility('NO_SUCH_SCHEME', driver, '2025-06-01'))).toBeUndefined();
  });

  test('refuses a worker outside the ages on the day of enrolment, saying which', () => {
    expect(schemeIneligibility('PM_SYM', driver, '2031-01-01')).toMatch(/aged 18 to 40; this worker was 41 on 2031-01-01/);
    expect(refusal(() => schemeEligibility('APY', { ...driver, dateOfBirth: '2010-01-01' }, '2025-06-01'))).toEqual({ code: 'BAD_USER_INPUT', field: 'scheme' });
    expect(refusal(() => schemeEligibility('PMJJBY', { ...driver, dateOfBirth: '1970-01-01' }, '2025-06-01'))).toEqual({ code: 'BAD_USER_INPUT', field: 'scheme' });
  });

  test('refuses the construction welfare board to any other trade', () => {
    expect(schemeIneligibility('BOCW', driver, '2025-06-01')).toMatch(/Only construction workers/);
    expect(refusal(() => schemeEligibility('BOCW', driver, '2025-06-01'))).toEqual({ code: 'BAD_USER_INPUT', field: 'scheme' });
  });
});

describe('workerLookupArgs', () => {
  test('accepts a phone, or the last four ID digits with the date of birth, narrowed by a name', () => {
    expect(workerLookupArgs({ phone: '+91 98765 43210' })).toEqual({ phone: '9876543210' });
    expect(workerLookupArgs({ idLast4: '1234', dateOfBirth: '1990-01-01', name: '  Ravi  Kumar ' })).toEqual({ idLast4: '1234', dateOfBirth: '1990-01-01', name: 'Ravi Kumar' });
  });

  test.each([
    ['nothing to look up by', {}, undefined],
    ['only a name', { name: 'Ravi' }, undefined],
    ['idLast4 without the date of birth', { idLast4: '1234' }, 'dateOfBirth'],
    ['the date of birth without idLast4', { dateOfBirth: '1990-01-01' }, 'idLast4'],
    ['three ID digits', { idLast4: '123', dateOfBirth: '1990-01-01' }, 'idLast4'],
    ['a phone that is no Indian mobile', { phone: '12345' }, 'phone'],
    ['a blank name', { phone: '9876543210', name: '   ' }, 'name'],
  ])('refuses %s', (_, args, field) => {
    expect(refusal(() => workerLookupArgs(args))).toEqual({ code: 'BAD_USER_INPUT', field });
  });
});
