/** The worker ids asked about when Labour is not asked, and how the report names where they came from. */
import { generateMemberKey } from '../../shared/access/members';
import { Prober } from './prober';
import { idsFrom, labourWasSilent, realWorkerIds, SAMPLE } from './workers';

test('without a Labour URL: W-0000001..W-0000100, and no call made', async () => {
  const http = new Prober(100);
  const workers = await realWorkerIds((await generateMemberKey('gateway')).key, undefined, http);
  expect(workers.ids).toHaveLength(SAMPLE);
  expect([workers.ids[0], workers.ids.at(-1)]).toEqual(['W-0000001', 'W-0000100']);
  expect(workers.from).toBe('W-0000001..W-0000020');
  expect(http.calls).toEqual([]);
  expect([labourWasSilent(workers), idsFrom(workers)]).toEqual([false, 'W-0000001..W-0000020']);
});

test("Labour's silence is told apart from Labour's ids", () => {
  const silent = { ids: [], from: 'W-0000001..W-0000020 (Labour did not answer: HTTP 500)' };
  expect([labourWasSilent(silent), idsFrom(silent)]).toEqual([true, 'W-0000001..W-0000020']);
  expect(idsFrom({ ids: [], from: 'Labour' })).toBe('Labour');
});
