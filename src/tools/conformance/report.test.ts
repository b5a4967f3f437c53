/** What a person reads: one line per check, warnings below it, and a summary. */
import { CHECKS, formatReport, result, type ConformanceReport } from './report';

test('a check passes with no problems, and fails with them joined', () => {
  expect(result('seal', [], 'refuses', ['w'])).toEqual({ name: 'seal', ok: true, detail: 'refuses', warnings: ['w'] });
  expect(result('seal', ['a', 'b'], 'refuses', [])).toEqual({ name: 'seal', ok: false, detail: 'a; b', warnings: [] });
});

test('names are padded to the longest, warnings indented under their check', () => {
  const report: ConformanceReport = {
    url: 'http://localhost:4006/graphql',
    agency: 'skills',
    ok: false,
    checks: [result('seal', ['an unsealed call was answered with data'], '', ['/health answered HTTP 404']), result('entities', [], 'one call', [])],
    calls: [],
  };
  expect(formatReport(report)).toEqual([
    'Conformance of skills at http://localhost:4006/graphql',
    'FAIL  seal      an unsealed call was answered with data',
    '                warning: /health answered HTTP 404',
    'PASS  entities  one call',
    '1 of 2 checks passed: skills does not conform yet.',
  ]);
});

test('when every check passes the summary says only how many', () => {
  const checks = CHECKS.map((name) => result(name, [], 'fine', []));
  expect(formatReport({ url: 'u', agency: 'labour', ok: true, checks, calls: [] }).at(-1)).toBe('6 of 6 checks passed.');
});
