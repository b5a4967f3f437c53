/** How the reports service takes an agency's answer: refusals pass through, anything else fails the report. */
import { refusalWithMessage } from '../../test/support/rules';
import { acceptedAnswer, isClosedConnection, type AnswerOrRefusal } from './statistics-client';

const answer: AnswerOrRefusal = { sets: {}, tables: [] };
const refusedWith = (code: string): AnswerOrRefusal => ({ ...answer, errors: [{ message: 'Not for you.', extensions: { code } }] });

test('an answer with HTTP 2xx and no errors is taken', () => {
  expect(acceptedAnswer('labour', true, answer)).toBe(answer);
});

test("FORBIDDEN and BAD_USER_INPUT pass through, named after the agency", () => {
  expect(refusalWithMessage(() => acceptedAnswer('mepma', false, refusedWith('FORBIDDEN')))).toMatchObject({ code: 'FORBIDDEN', message: 'mepma: Not for you.' });
  expect(refusalWithMessage(() => acceptedAnswer('mepma', false, refusedWith('BAD_USER_INPUT')))).toMatchObject({ code: 'BAD_USER_INPUT', message: 'mepma: Not for you.' });
});

test('any other error, or a failed status, is SUBGRAPH_UNAVAILABLE naming the agency', () => {
  const unavailable = expect.objectContaining({
    message: "The icds agency did not answer: icds could not answer the report's question",
    extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'icds' },
  });
  expect(() => acceptedAnswer('icds', false, refusedWith('UNAUTHENTICATED'))).toThrow(unavailable);
  expect(() => acceptedAnswer('icds', true, refusedWith('INTERNAL_SERVER_ERROR'))).toThrow(unavailable);
  expect(() => acceptedAnswer('icds', false, answer)).toThrow(unavailable);
});

test("a connection the agency closed is told from other failures", () => {
  const fetchFailed = (code?: string) => Object.assign(new TypeError('fetch failed'), { cause: code ? { code } : undefined });
  expect(isClosedConnection(fetchFailed('UND_ERR_SOCKET'))).toBe(true);
  expect(isClosedConnection(fetchFailed('ECONNRESET'))).toBe(true);
  expect(isClosedConnection(fetchFailed('ECONNREFUSED'))).toBe(false);
  expect(isClosedConnection(fetchFailed())).toBe(false);
  expect(isClosedConnection(Object.assign(new Error('x'), { cause: { code: 'ECONNRESET' } }))).toBe(false);
  expect(isClosedConnection(undefined)).toBe(false);
});
