/** Transport's rules as plain functions: no server, no database. */
import {
  autoStandIdArg, badgeLicence, cityOfRto, licenceNumberArg, licencePrefix, permitStand, requireRto, rtoArg, rtoCodesOf, rtoPrefix,
  validityStatus, vehicleClassesArg, vehicleRegistrationArg,
} from './rules';
import { officer, refusal } from '../../test/support/rules';

const clerk = (jurisdiction: string) => officer('transport', jurisdiction, 'licensing', 'rto.clerk');

describe('validityStatus', () => {
  test('a suspension outranks the calendar; a document is valid through its last day', () => {
    expect(validityStatus({ suspended: false, validUntil: '2025-06-01' }, '2025-06-01')).toBe('VALID');
    expect(validityStatus({ suspended: false, validUntil: '2025-06-01' }, '2025-06-02')).toBe('EXPIRED');
    expect(validityStatus({ suspended: true, validUntil: '2030-01-01' }, '2025-06-01')).toBe('SUSPENDED');
  });
});

describe('argument parsers', () => {
  test('accept licence numbers, registrations, RTOs, stands and classes as people type them', () => {
    expect(licenceNumberArg('ap16-20190012345')).toBe('AP16 20190012345');
    expect(licenceNumberArg('AP1620190012345')).toBe('AP16 20190012345');
    expect(vehicleRegistrationArg('ap 16 tx 1234')).toBe('AP16TX1234');
    expect(rtoArg(' ap31 ')).toBe('AP31');
    expect(autoStandIdArg('as-vja-0001')).toBe('AS-VJA-0001');
    expect(vehicleClassesArg(['LMV', 'LMV', 'MCWG'])).toEqual(['LMV', 'MCWG']);
  });

  test.each([
    ['a licence number too short', () => licenceNumberArg('AP16 2019001'), 'licenceNumber'],
    ['a registration without its series', () => vehicleRegistrationArg('AP161234'), 'vehicleRegistration'],
    ['an RTO the hub does not serve', () => rtoArg('KA01'), 'issuingRto'],
    ['a malformed stand id', () => autoStandIdArg('AS-VJA-1', 'autoStandId'), 'autoStandId'],
    ['no vehicle class', () => vehicleClassesArg([]), 'vehicleClasses'],
  ])('refuse %s (BAD_USER_INPUT naming the field)', (_, parse, field) => {
    expect(refusal(parse)).toEqual({ code: 'BAD_USER_INPUT', field });
  });
});

describe('RTOs and their cities', () => {
  test('a licence number names its RTO, and an RTO its city', () => {
    expect(licencePrefix('AP16', '2019-04-01')).toBe('AP16 2019');
    expect(rtoPrefix('AP16 20190012345')).toBe('AP16');
    expect(rtoPrefix('AP31TX1234')).toBe('AP31');
    expect(cityOfRto('AP16')).toBe('VJA');
    expect(cityOfRto('KA01')).toBeUndefined();
    expect(rtoCodesOf(['GVMC'])).toEqual(['AP31']);
  });

  test('requireRto accepts an RTO inside the jurisdiction, and any for a national caller', () => {
    expect(refusal(() => requireRto(clerk('city:VJA'), 'AP16', 'driving licences'))).toBeUndefined();
    expect(refusal(() => requireRto(clerk('state:AP'), 'AP31', 'driving licences'))).toBeUndefined();
    expect(refusal(() => requireRto(clerk('national'), 'KA01', 'driving licences'))).toBeUndefined();
  });

  test('requireRto refuses (FORBIDDEN) an RTO outside the jurisdiction, and one the hub does not know', () => {
    expect(refusal(() => requireRto(clerk('city:VJA'), 'AP31', 'driving licences'))).toEqual({ code: 'FORBIDDEN', field: undefined });
    expect(refusal(() => requireRto(clerk('state:AP'), 'KA01', 'driving licences'))).toEqual({ code: 'FORBIDDEN', field: undefined });
  });
});

describe('badgeLicence', () => {
  const licence = {
    licenceNumber: 'AP16 20190012345', workerId: 'W-0000042', vehicleClasses: ['LMV_TR' as const], issuedOn: '2019-04-01', validUntil: '2039-03-31', suspended: false,
  };
  const badge = { workerId: 'W-0000042', issuedOn: '2025-01-01', validUntil: '2030-01-01' };

  test("accepts the holder's own valid licence for hire", () => {
    expect(refusal(() => badgeLicence(licence, badge))).toBeUndefined();
  });

  test.each([
    ["another worker's licence", licence, { ...badge, workerId: 'W-0000043' }, 'licenceNumber'],
    ['a suspended licence', { ...licence, suspended: true }, badge, 'licenceNumber'],
    ['an expired licence', { ...licence, validUntil: '2020-01-01' }, badge, 'licenceNumber'],
    ['a licence without a transport class', { ...licence, vehicleClasses: ['LMV' as const] }, badge, 'licenceNumber'],
    ['a badge issued before the licence', licence, { ...badge, issuedOn: '2019-03-31' }, 'issuedOn'],
    ['a badge outliving its licence', licence, { ...badge, validUntil: '2039-04-01' }, 'validUntil'],
  ])('refuses %s (BAD_USER_INPUT naming the field)', (_, held, asked, field) => {
    expect(refusal(() => badgeLicence(held, asked))).toEqual({ code: 'BAD_USER_INPUT', field });
  });
});

describe('permitStand', () => {
  test('accepts a stand for an auto rickshaw, and no stand for anything', () => {
    expect(refusal(() => permitStand('AUTO_RICKSHAW_CONTRACT_CARRIAGE', 'AS-VJA-0001'))).toBeUndefined();
    expect(refusal(() => permitStand('GOODS_CARRIAGE', null))).toBeUndefined();
  });

  test('refuses a stand for a goods carriage', () => {
    expect(refusal(() => permitStand('GOODS_CARRIAGE', 'AS-VJA-0001'))).toEqual({ code: 'BAD_USER_INPUT', field: 'autoStandId' });
  });
});
