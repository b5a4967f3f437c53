/**
 * The gateway as an HTTP server, as any GraphQL client meets it: it passes the GraphQL over
 * HTTP audit (graphql-http's serverAudits, every audit: no failure, no warning, no notice), and
 * every request it refuses before GraphQL runs gets its status, a code and a reason, and exactly
 * one access-log entry, naming the caller whenever the token verifies.
 */
import { serverAudits, type AuditResult } from 'graphql-http';
import { startTestStack, type TestStack } from './support/stack';

let stack: TestStack;
let headers: Record<string, string>;

beforeAll(async () => {
  stack = await startTestStack('graphqlhttp', { workers: 50, as: { agency: 'labour', subject: 'http-client', role: 'officer' } });
  headers = await stack.headersFor();
});
afterAll(() => stack?.stop());

const gatewayDb = () => stack.audit.log.fork().getConnection();
const lastSeq = async () => Number((await gatewayDb().execute('select coalesce(max(seq), 0) as seq from access_log'))[0].seq);
const entriesAfter = (seq: number): Promise<any[]> => gatewayDb().execute('select * from access_log where seq > ? order by seq', [seq]);

/** A fetch that sends the suite's token and purpose with every request, as a department's client would. */
function authenticatedFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  const merged = new Headers(init.headers);
  for (const [key, value] of Object.entries(headers)) merged.set(key, value);
  return fetch(input, { ...init, headers: merged });
}

test('the gateway passes every GraphQL over HTTP audit (graphql-http serverAudits)', async () => {
  const results: AuditResult[] = [];
  // One at a time: each audit is a request through the whole hub, and the machine is shared.
  for (const audit of serverAudits({ url: stack.gatewayUrl, fetchFn: authenticatedFetch })) results.push(await audit.fn());
  const lines = results.map((result) => `${result.status.padEnd(6)} ${result.id} ${result.name}${result.status === 'ok' ? '' : ` — ${result.reason}`}`);
  const counts = results.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});
  console.log(`graphql-http serverAudits against the gateway: ${JSON.stringify(counts)}\n${lines.join('\n')}`);
  expect(results.flatMap((result) => (result.status === 'ok' ? [] : [`${result.status} ${result.id} ${result.name}: ${result.reason}`]))).toEqual([]);
  expect(results.length).toBeGreaterThan(40);
});

describe('GraphQL request errors: status by the media type accepted', () => {
  const ask = (body: object, accept: string) =>
    authenticatedFetch(stack.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept }, body: JSON.stringify(body) });

  test.each([
    ['a parse error', { query: '{ worker(id: "W-0000001") { name }' }, 'GRAPHQL_PARSE_FAILED'],
    ['a validation error', { query: '{ worker(id: "W-0000001") { nonsense } }' }, 'GRAPHQL_VALIDATION_FAILED'],
    ['a variable that does not coerce', { query: 'query($id: ID!) { worker(id: $id) { name } }', variables: { id: null } }, 'BAD_USER_INPUT'],
  ])('%s: 200 as application/json, 400 as application/graphql-response+json, logged once either way', async (_, body, code) => {
    for (const [accept, status, type] of [
      ['application/json', 200, 'application/json'],
      ['application/graphql-response+json', 400, 'application/graphql-response+json'],
    ] as const) {
      const before = await lastSeq();
      const res = await ask(body, accept);
      expect([res.status, res.headers.get('content-type')]).toEqual([status, expect.stringContaining(type)]);
      const answer = (await res.json()) as { data?: unknown; errors: { extensions: { code: string } }[] };
      expect(answer.data).toBeUndefined();
      expect(answer.errors[0].extensions.code).toBe(code);
      expect((await entriesAfter(before)).map((e) => [e.outcome, e.error_codes, e.caller_subject])).toEqual([['error', [code], 'http-client']]);
    }
  });
});

describe('requests refused before GraphQL: status, code, reason, one access-log entry', () => {
  const json = () => ({ 'content-type': 'application/json', ...headers });

  async function expectRefusal(send: () => Promise<Response>, expected: { status: number; code: string; reason: string; caller: string | null }) {
    const before = await lastSeq();
    const res = await send();
    expect(res.status).toBe(expected.status);
    const { errors } = (await res.json()) as { errors: { extensions: Record<string, unknown> }[] };
    expect(errors[0].extensions).toMatchObject({ code: expected.code, reason: expected.reason });
    const written = await entriesAfter(before);
    expect(written.map((e) => ({ outcome: e.outcome, codes: e.error_codes, caller: e.caller_subject }))).toEqual([
      { outcome: 'refused', codes: [expected.code], caller: expected.caller },
    ]);
    return { res, entry: written[0] };
  }

  test('malformed JSON: 400 MALFORMED_JSON, the caller named from the token', async () => {
    const { entry } = await expectRefusal(() => fetch(stack.gatewayUrl, { method: 'POST', headers: json(), body: '{ "query": ' }), {
      status: 400, code: 'BAD_REQUEST', reason: 'MALFORMED_JSON', caller: 'http-client',
    });
    expect(entry).toMatchObject({ caller_agency: 'labour', caller_role: 'officer', purpose: 'service-delivery', operation_name: null });
  });

  test('a batch: 400 BATCH_NOT_ALLOWED, none of its operations run', async () => {
    const batch = [{ query: 'query A { worker(id: "W-0000001") { name } }' }, { query: 'query B { worker(id: "W-0000002") { name } }' }];
    await expectRefusal(() => fetch(stack.gatewayUrl, { method: 'POST', headers: json(), body: JSON.stringify(batch) }), {
      status: 400, code: 'BAD_REQUEST', reason: 'BATCH_NOT_ALLOWED', caller: 'http-client',
    });
  });

  test('a body over 1 MB: 413 BODY_TOO_LARGE', async () => {
    const body = JSON.stringify({ query: '{ __typename }', variables: { padding: 'x'.repeat(1_100_000) } });
    await expectRefusal(() => fetch(stack.gatewayUrl, { method: 'POST', headers: json(), body }), {
      status: 413, code: 'BAD_USER_INPUT', reason: 'BODY_TOO_LARGE', caller: 'http-client',
    });
  });

  test('headers over 16 KiB: 431 HEADERS_TOO_LARGE, in JSON, no caller (the headers were never read)', async () => {
    await expectRefusal(() => fetch(stack.gatewayUrl, { method: 'POST', headers: { ...json(), 'x-padding': 'x'.repeat(20_000) }, body: '{"query":"{ __typename }"}' }), {
      status: 431, code: 'BAD_USER_INPUT', reason: 'HEADERS_TOO_LARGE', caller: null,
    });
  });

  test('a wrong method: 405 METHOD_NOT_ALLOWED', async () => {
    await expectRefusal(() => fetch(stack.gatewayUrl, { method: 'DELETE', headers: json() }), {
      status: 405, code: 'BAD_REQUEST', reason: 'METHOD_NOT_ALLOWED', caller: 'http-client',
    });
  });

  test('a wrong media type: 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    await expectRefusal(() => fetch(stack.gatewayUrl, { method: 'POST', headers: { ...json(), 'content-type': 'text/plain' }, body: '{"query":"{ __typename }"}' }), {
      status: 415, code: 'BAD_REQUEST', reason: 'UNSUPPORTED_MEDIA_TYPE', caller: 'http-client',
    });
  });

  test('an accept header that takes no JSON: 406 NOT_ACCEPTABLE, and the mutation never runs', async () => {
    const count = async () => Number((await stack.subgraphs.get('labour')!.database.orm.em.fork().getConnection().execute('select count(*)::int as n from worker'))[0].n);
    const before = await count();
    const register = `mutation { registerWorker(input: { name: "Accept Test", gender: FEMALE, dateOfBirth: "1990-01-01", phone: "9000044444", idReferenceToken: "ADV-ACCEPT01", idLast4: "4444", occupation: DOMESTIC, city: "VJA", ward: "VJA-W01" }, idempotencyKey: "accept-test-1") { id } }`;
    await expectRefusal(() => fetch(stack.gatewayUrl, { method: 'POST', headers: { ...json(), accept: 'text/csv' }, body: JSON.stringify({ query: register }) }), {
      status: 406, code: 'BAD_REQUEST', reason: 'NOT_ACCEPTABLE', caller: 'http-client',
    });
    expect(await count()).toBe(before);
  });

  test('a GET a browser could send cross-site: 400 CSRF_BLOCKED (Apollo\'s CSRF prevention), no caller', async () => {
    await expectRefusal(() => fetch(`${stack.gatewayUrl}?query=${encodeURIComponent('{ __typename }')}`), {
      status: 400, code: 'BAD_REQUEST', reason: 'CSRF_BLOCKED', caller: null,
    });
  });

  test('a GET with variables that are not JSON: 400 INVALID_PARAMETERS (Apollo refuses it after authentication)', async () => {
    const url = `${stack.gatewayUrl}?query=${encodeURIComponent('query($id: ID!) { worker(id: $id) { name } }')}&variables=%7Bnot-json`;
    await expectRefusal(() => fetch(url, { headers }), { status: 400, code: 'BAD_REQUEST', reason: 'INVALID_PARAMETERS', caller: 'http-client' });
  });

  test('what reaches GraphQL is logged once by the access log itself: a missing query, a mutation sent by GET', async () => {
    for (const [send, status] of [
      [() => fetch(stack.gatewayUrl, { method: 'POST', headers: json(), body: '{"operationName":"Nothing"}' }), 400],
      [() => fetch(`${stack.gatewayUrl}?query=${encodeURIComponent('mutation { __typename }')}`, { headers }), 405],
    ] as const) {
      const before = await lastSeq();
      const res = await send();
      expect(res.status).toBe(status);
      expect((await entriesAfter(before)).map((e) => [e.outcome, e.error_codes, e.caller_subject])).toEqual([['error', ['BAD_REQUEST'], 'http-client']]);
    }
  });

  test('a token that does not verify: still one entry, UNAUTHENTICATED, as before', async () => {
    const before = await lastSeq();
    const res = await fetch(stack.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer forged' }, body: '{"query":"{ __typename }"}' });
    expect(res.status).toBe(401);
    expect((await entriesAfter(before)).map((e) => [e.outcome, e.error_codes])).toEqual([['unauthenticated', ['UNAUTHENTICATED']]]);
  });

  test('a refused request with a forged token names no caller', async () => {
    await expectRefusal(() => fetch(stack.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer forged' }, body: '[{"query":"{ __typename }"}]' }), {
      status: 400, code: 'BAD_REQUEST', reason: 'BATCH_NOT_ALLOWED', caller: null,
    });
  });
});
