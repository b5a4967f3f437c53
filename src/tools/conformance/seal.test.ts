/** How the seal check reads an answer to a call that should have been refused, and answers in general. */
import { errorCodes, firstError, sealHint, type Answer } from './answers';
import { refusalProblem } from './seal';

const graphql = (status: number, json: unknown): Answer => ({ label: 'probe', status, json });

test('refused by HTTP 401 or by an UNAUTHENTICATED error, with no data: no problem', () => {
  expect(refusalProblem('an unsealed call', graphql(401, undefined))).toBeUndefined();
  expect(refusalProblem('an unsealed call', graphql(200, { data: null, errors: [{ message: 'no seal', extensions: { code: 'UNAUTHENTICATED' } }] }))).toBeUndefined();
  expect(refusalProblem('an unsealed call', graphql(200, { data: { _service: null }, errors: [{ message: 'no seal', extensions: { code: 'UNAUTHENTICATED' } }] }))).toBeUndefined();
});

test('data is a leak even beside a refusal; any other answer is not a refusal', () => {
  expect(refusalProblem('an unsealed call', graphql(401, { data: { _service: { sdl: '...' } } }))).toBe('an unsealed call was answered with data');
  expect(refusalProblem('a seal sent a second time', graphql(403, { errors: [{ message: 'Forbidden', extensions: { code: 'FORBIDDEN' } }] }))).toBe(
    'a seal sent a second time was not refused as UNAUTHENTICATED (HTTP 403, FORBIDDEN: Forbidden)',
  );
});

test('answers: error codes, the first problem in a few words, the seal hint only for a refusal', () => {
  const answer = graphql(200, { errors: [{ message: 'x'.repeat(200), extensions: { code: 'BAD_USER_INPUT' } }, { message: 'y' }] });
  expect(errorCodes(answer)).toEqual(['BAD_USER_INPUT', 'NO_CODE']);
  expect(errorCodes(graphql(200, { data: {} }))).toEqual([]);
  expect(firstError(answer)).toBe(`HTTP 200, BAD_USER_INPUT: ${'x'.repeat(160)}`);
  expect(firstError(graphql(200, { errors: [{ message: 'm' }] }))).toBe('HTTP 200, no code: m');
  expect(firstError({ label: 'probe', failure: 'could not be reached (ECONNREFUSED)' })).toBe('could not be reached (ECONNREFUSED)');
  expect(firstError(graphql(502, undefined))).toBe('HTTP 502');
  expect(sealHint(answer)).toBe('');
  expect(sealHint(graphql(401, undefined))).toMatch(/^: it refused the seal; is --name its registered name/);
});
