import { GraphQLError } from 'graphql';
import { parseIsoDate } from './scalars';
import { pageRequest, encodeCursor } from './pagination';
import { cityArg, dateOrder, phoneArg, wardArg, workerIdArg } from './validation';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as GraphQLError).extensions?.code as string;
  }
  return undefined;
}

test('a clerk may type a mobile number the way people write it', () => {
  expect(phoneArg('9876543210')).toBe('9876543210');
  expect(phoneArg('+91 98765 43210')).toBe('9876543210');
  expect(phoneArg('+919876543210')).toBe('9876543210');
  expect(phoneArg('09876543210')).toBe('9876543210');
  expect(phoneArg('98765-43210')).toBe('9876543210');
});

test('numbers that cannot be an Indian mobile are refused', () => {
  for (const bad of ['5876543210', '987654321', '98765432101', 'ninety', '0866-247123']) {
    expect(codeOf(() => phoneArg(bad))).toBe('BAD_USER_INPUT');
  }
});

test('calendar dates must exist', () => {
  expect(parseIsoDate('2024-02-29')).toBe('2024-02-29');
  for (const bad of ['2023-02-29', '2024-13-01', '2024-04-31', '24-01-01', '2024-1-1', 20240101]) {
    expect(codeOf(() => parseIsoDate(bad))).toBe('BAD_USER_INPUT');
  }
});

test('ids, cities and wards are checked for shape before any query runs', () => {
  expect(workerIdArg(' W-0000042 ')).toBe('W-0000042');
  expect(codeOf(() => workerIdArg('W-42'))).toBe('BAD_USER_INPUT');
  expect(cityArg('vja')).toBe('VJA');
  expect(codeOf(() => cityArg('HYD'))).toBe('BAD_USER_INPUT');
  expect(wardArg('vja-w07', 'VJA')).toBe('VJA-W07');
  expect(codeOf(() => wardArg('VJA-W65', 'VJA'))).toBe('BAD_USER_INPUT'); // Vijayawada has 64 wards
  expect(codeOf(() => wardArg('GVMC-W07', 'VJA'))).toBe('BAD_USER_INPUT');
});

test('a validity period must end after it starts', () => {
  expect(codeOf(() => dateOrder('2025-01-01', '2024-12-31', 'issuedOn', 'validUntil'))).toBe('BAD_USER_INPUT');
  expect(codeOf(() => dateOrder('2025-01-01', '2025-01-01', 'issuedOn', 'validUntil'))).toBe('BAD_USER_INPUT');
  expect(codeOf(() => dateOrder('2025-01-01', '2025-01-02', 'issuedOn', 'validUntil'))).toBeUndefined();
});

test('page sizes are capped and cursors must be ours', () => {
  expect(pageRequest(undefined, undefined)).toEqual({ first: 20, afterKey: undefined });
  expect(pageRequest(100, encodeCursor('W-0000100'))).toEqual({ first: 100, afterKey: 'W-0000100' });
  for (const first of [0, -5, 101, 1.5]) expect(codeOf(() => pageRequest(first, null))).toBe('BAD_USER_INPUT');
  expect(codeOf(() => pageRequest(10, 'garbage'))).toBe('BAD_USER_INPUT');
});
