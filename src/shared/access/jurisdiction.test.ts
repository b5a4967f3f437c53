/** The one rule for a write that names a place outside the caller's jurisdiction: the pure part. */
import { officer, refusal } from '../../../test/support/rules';
import { cityNamedBy, requirePlaceOf } from './jurisdiction';

const caller = (jurisdiction: string) => officer('icds', jurisdiction, 'x', 'cdpo');
const codeOf = (fn: () => unknown) => refusal(fn)?.code;

test('an id names its city: centres, zones, stands and wards', () => {
  expect(cityNamedBy('AWC-VJA-0001')).toBe('VJA');
  expect(cityNamedBy('VZ-GVMC-0012')).toBe('GVMC');
  expect(cityNamedBy('AS-VJA-0001')).toBe('VJA');
  expect(cityNamedBy('VJA-W07')).toBe('VJA');
});

test('a place inside the jurisdiction passes; one outside is FORBIDDEN whether or not such a record exists', () => {
  expect(codeOf(() => requirePlaceOf(caller('city:VJA'), 'AWC-VJA-0001', 'anganwadi enrolments'))).toBeUndefined();
  expect(codeOf(() => requirePlaceOf(caller('state:AP'), 'VZ-GVMC-0001', 'vending certificates'))).toBeUndefined();
  expect(codeOf(() => requirePlaceOf(caller('national'), 'AWC-XYZ-0001', 'anganwadi enrolments'))).toBeUndefined();
  // The answer is computed from the id alone: the same for a centre that exists and one that does not.
  for (const id of ['AWC-GVMC-0001', 'AWC-GVMC-9999', 'AWC-XYZ-0001']) {
    expect(codeOf(() => requirePlaceOf(caller('city:VJA'), id, 'anganwadi enrolments'))).toBe('FORBIDDEN');
  }
  expect(codeOf(() => requirePlaceOf(caller('ward:VJA-W07'), 'GVMC-W03', 'trade licences'))).toBe('FORBIDDEN');
});
