/** Which statistical questions an agency takes: only its own sets, tables and facts, for a real day. */
import { refusalWithMessage } from '../../test/support/rules';
import type { FactDeclaration } from './facts';
import type { AgencyStatistics } from './statistics';
import { parseStatisticsRequest } from './statistics-request';

const statistics: AgencyStatistics = {
  workerSets: { vendors: () => ({ sql: 'select worker_id from vendor', params: [] }) },
  tables: { expiring: async () => [] },
};
const facts = [{ agency: 'municipal', name: 'vendingCertificate', type: 'boolean', description: '', field: 'MunicipalFacts.vendingCertificate' }] as unknown as FactDeclaration[];
const parse = (request: unknown) => parseStatisticsRequest(typeof request === 'string' ? request : JSON.stringify(request), statistics, facts);
const refusal = (request: unknown) => refusalWithMessage(() => parse(request));

test('a question about its own sets, tables and facts is taken as sent', () => {
  const request = { asOf: '2025-03-31', sets: ['vendors'], tables: [{ name: 'expiring', params: { from: '2025-04-01' } }], facts: { names: ['vendingCertificate'], workers: ['W-0000042'] } };
  expect(parse(request)).toEqual(request);
  expect(parse({ asOf: '2024-02-29' })).toEqual({ asOf: '2024-02-29' });
});

test('not JSON, or not a real day, is BAD_USER_INPUT', () => {
  expect(refusal('{"asOf":')).toMatchObject({ code: 'BAD_USER_INPUT', message: 'The statistics request is not JSON.' });
  expect(refusal({ asOf: '2025-02-29' })).toMatchObject({ code: 'BAD_USER_INPUT' });
  expect(refusal({})).toMatchObject({ code: 'BAD_USER_INPUT' });
});

test("a set, table or fact the agency does not have is named, and so is the field it was asked in", () => {
  expect(refusal({ asOf: '2025-03-31', sets: ['drivers'] })).toMatchObject({ message: 'No worker set named drivers.', field: 'sets' });
  // Names are looked up as own properties: `toString` is not a table.
  expect(refusal({ asOf: '2025-03-31', tables: [{ name: 'toString' }] })).toMatchObject({ message: 'No table named toString.', field: 'tables' });
  expect(refusal({ asOf: '2025-03-31', tables: [null] })).toMatchObject({ message: 'No table named undefined.', field: 'tables' });
  expect(refusal({ asOf: '2025-03-31', facts: { names: ['licence'] } })).toMatchObject({ message: 'No fact named licence.', field: 'facts' });
  expect(refusal({ asOf: '2025-03-31', facts: {} })).toMatchObject({ message: 'facts.names must be a list of fact names.', field: 'facts' });
  expect(refusal({ asOf: '2025-03-31', facts: null })).toMatchObject({ field: 'facts' });
});

test('a fact question names at most 1000 well-formed worker ids', () => {
  const ids = (n: number) => Array.from({ length: n }, (_, i) => `W-${String(i + 1).padStart(7, '0')}`);
  const ask = (workers: unknown) => ({ asOf: '2025-03-31', facts: { names: ['vendingCertificate'], workers } });
  expect(parse(ask(ids(1000))).facts!.workers).toHaveLength(1000);
  const tooMany = 'facts.workers must be at most 1000 worker ids such as W-0000042.';
  expect(refusal(ask(ids(1001)))).toMatchObject({ message: tooMany, field: 'facts' });
  expect(refusal(ask(['W-42']))).toMatchObject({ message: tooMany });
  expect(refusal(ask([42]))).toMatchObject({ message: tooMany });
  expect(refusal(ask('W-0000042'))).toMatchObject({ message: tooMany });
});
