/** Municipal's rules as plain functions: no server, no database. */
import type { VendingCertificate, VendingZone } from './entities';
import {
  certificateNumberArg, currentStatus, noCurrentCertificate, vendingAllowed, vendingZoneIdArg, wardCodeArg, zoneHasRoom,
} from './rules';
import { refusalWithMessage } from '../../test/support/rules';

const zone = (overrides: Partial<VendingZone> = {}) => ({ id: 'VZ-VJA-0001', name: 'Besant Road', zoneType: 'VENDING', capacity: 2, ...overrides }) as VendingZone;

describe('argument parsers', () => {
  test('accept ward codes, zone ids and certificate numbers as people type them', () => {
    expect(wardCodeArg(' vja-w07 ')).toBe('VJA-W07');
    expect(vendingZoneIdArg('vz-vja-0001')).toBe('VZ-VJA-0001');
    expect(certificateNumberArg('vja/svc/2025/000123')).toBe('VJA/SVC/2025/000123');
  });

  test.each([
    ['wardCodeArg', () => wardCodeArg('VJA-7'), 'ward'],
    ['wardCodeArg', () => wardCodeArg('W07', 'code'), 'code'],
    ['vendingZoneIdArg', () => vendingZoneIdArg('VZ-VJA-1'), 'vendingZoneId'],
    ['vendingZoneIdArg', () => vendingZoneIdArg('AWC-VJA-0001', 'id'), 'id'],
    ['certificateNumberArg', () => certificateNumberArg('VJA/SVC/25/000123'), 'certificateNumber'],
    ['certificateNumberArg', () => certificateNumberArg('VJA/TL/2025/000123'), 'certificateNumber'],
  ])('%s refuses a malformed value, naming the field', (_, parse, field) => {
    expect(refusalWithMessage(parse)).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });
});

describe('currentStatus', () => {
  test('a document lapses on its own once its last day has passed; a cancellation stays a cancellation', () => {
    expect(currentStatus({ status: 'ACTIVE', validUntil: '2025-06-01' }, '2025-06-01')).toBe('ACTIVE');
    expect(currentStatus({ status: 'ACTIVE', validUntil: '2025-06-01' }, '2025-06-02')).toBe('EXPIRED');
    expect(currentStatus({ status: 'SUSPENDED', validUntil: '2025-06-01' }, '2025-06-02')).toBe('EXPIRED');
    expect(currentStatus({ status: 'CANCELLED', validUntil: '2025-06-01' }, '2025-06-02')).toBe('CANCELLED');
  });
});

describe('vendingAllowed and zoneHasRoom', () => {
  test('accept a vending zone with a free place', () => {
    expect(refusalWithMessage(() => vendingAllowed(zone()))).toBeUndefined();
    expect(refusalWithMessage(() => vendingAllowed(zone({ zoneType: 'RESTRICTED_VENDING' as VendingZone['zoneType'] })))).toBeUndefined();
    expect(refusalWithMessage(() => zoneHasRoom(zone(), 1))).toBeUndefined();
  });

  test('refuse a no-vending zone (BAD_USER_INPUT) and a full one (CONFLICT)', () => {
    expect(refusalWithMessage(() => vendingAllowed(zone({ zoneType: 'NO_VENDING' })))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'vendingZoneId' });
    expect(refusalWithMessage(() => zoneHasRoom(zone(), 2))).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('is full') });
  });
});

describe('noCurrentCertificate', () => {
  const current = { certificateNumber: 'VJA/SVC/2025/000123', status: 'ACTIVE', validUntil: '2030-01-01' } as VendingCertificate;

  test('accepts a vendor without a current certificate', () => {
    expect(refusalWithMessage(() => noCurrentCertificate('W-0000042', null))).toBeUndefined();
  });

  test('refuses a second one (CONFLICT), naming the first only to a caller who may see it', () => {
    expect(refusalWithMessage(() => noCurrentCertificate('W-0000042', current))).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('an active vending certificate, VJA/SVC/2025/000123') });
    expect(refusalWithMessage(() => noCurrentCertificate('W-0000042', { ...current, status: 'SUSPENDED' }))).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('a suspended') });
    const hidden = refusalWithMessage(() => noCurrentCertificate('W-0000042', current, false));
    expect(hidden).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('outside your jurisdiction') });
    expect(hidden!.message).not.toContain(current.certificateNumber);
  });
});
