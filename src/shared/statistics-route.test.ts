/** What the agency's route sends: answers joined as they were kept, and errors that say only what they should. */
import { GraphQLError } from 'graphql';
import { badInput, forbidden } from './errors';
import type { StatisticsAnswer } from './statistics';
import { answerText, errorAnswer } from './statistics-route';

test('kept answers are joined into one StatisticsAnswer without being parsed again', () => {
  const text = answerText([['vendors', '"OjAAAA=="'], ['a "quoted" name', '""']], ['[{"city":"VJA"}]', '[]']);
  expect(JSON.parse(text) as StatisticsAnswer).toEqual({ sets: { vendors: 'OjAAAA==', 'a "quoted" name': '' }, tables: [[{ city: 'VJA' }], []] });
  expect(JSON.parse(answerText([], []))).toEqual({ sets: {}, tables: [] });
});

test('facts, when asked, come with the names of those denied to this caller', () => {
  const text = answerText([], [], { usable: [['vendingCertificate', '{"kind":"boolean"}']], denied: ['savingsAccount'] });
  expect(JSON.parse(text)).toEqual({ sets: {}, tables: [], facts: { vendingCertificate: { kind: 'boolean' } }, deniedFacts: ['savingsAccount'] });
  expect(JSON.parse(answerText([], [], { usable: [], denied: [] }))).toEqual({ sets: {}, tables: [], facts: {}, deniedFacts: [] });
});

test("a coded error keeps its code, status and reason; anything else says nothing of what went wrong", () => {
  expect(errorAnswer(badInput('No table named x.', 'tables'))).toEqual({ status: 400, body: { errors: [{ message: 'No table named x.', extensions: { code: 'BAD_USER_INPUT' } }] } });
  expect(errorAnswer(forbidden('Not yours.', { reason: 'WRONG_AUDIENCE' }))).toEqual({
    status: 403,
    body: { errors: [{ message: 'Not yours.', extensions: { code: 'FORBIDDEN', reason: 'WRONG_AUDIENCE' } }] },
  });
  const internal = { status: 500, body: { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] } };
  expect(errorAnswer(new Error('password authentication failed for user "municipal"'))).toEqual(internal);
  expect(errorAnswer(new GraphQLError('no code'))).toEqual(internal);
});
