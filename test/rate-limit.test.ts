/**
 * Rate limits through the real gateway on real PostgreSQL, with low limits for the suite: a
 * caller over its limit gets 429 with Retry-After and RATE_LIMITED (the reason naming the
 * limit) and an access-log entry; its agency's other callers go on until the agency's limit;
 * two gateways on the same database share the counts; repeated CONFLICTs (a probe for who is
 * registered) hit the conflict limit.
 */
import { createHash } from 'node:crypto';
import type { RateLimits } from '../gateway/rate-limit';
import { parseRate } from '../src/shared/config';
import { errorCodes, startTestStack, type CallerSpec, type GraphQLResponse, type TestStack } from './support/stack';

const LIMITS: RateLimits = {
  perSubject: { limit: 5, windowSeconds: 60 },
  perAgency: { limit: 8, windowSeconds: 60 },
  conflictsPerSubject: { limit: 3, windowSeconds: 3600 },
};

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack('ratelimit', { workers: 50, rateLimits: LIMITS });
});
afterAll(() => stack?.stop());

const gatewayDb = () => stack.audit.log.fork().getConnection();
const lastSeq = async () => Number((await gatewayDb().execute('select coalesce(max(seq), 0) as seq from access_log'))[0].seq);
const entriesAfter = (seq: number): Promise<any[]> => gatewayDb().execute('select * from access_log where seq > ? order by seq', [seq]);

const PING = `query Ping { __typename }`;

/** One request with its HTTP response, so that the headers can be read too. */
async function send(caller: CallerSpec, url = stack.gatewayUrl, query = PING, variables?: Record<string, unknown>): Promise<{ res: Response; body: GraphQLResponse }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(await stack.headersFor(caller)) }, body: JSON.stringify({ query, variables }) });
  return { res, body: (await res.json()) as GraphQLResponse };
}

/**
 * The window slides (two fixed windows, the older weighted by its overlap): a caller that used
 * its whole limit waits at most a window and a share of one.
 */
const longestWait = (rate: { limit: number; windowSeconds: number }) => Math.ceil(rate.windowSeconds * (1 + 1 / rate.limit)) + 1;

function expectRateLimited({ res, body }: { res: Response; body: GraphQLResponse }, reason: string, maxSeconds: number) {
  expect(res.status).toBe(429);
  expect(errorCodes(body)).toEqual(['RATE_LIMITED']);
  const { extensions } = body.errors![0];
  expect(extensions).toMatchObject({ code: 'RATE_LIMITED', reason });
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(maxSeconds);
  expect(extensions!.retryAfterSeconds).toBe(retryAfter);
  expect(body.data).toBeUndefined();
}

test('a caller over its limit gets 429, Retry-After and RATE_LIMITED, and an access-log entry', async () => {
  const caller: CallerSpec = { agency: 'transport', subject: 'busy-clerk' };
  for (let i = 0; i < 5; i++) expect((await send(caller)).res.status).toBe(200);
  const before = await lastSeq();
  const refused = await send(caller);
  expectRateLimited(refused, 'SUBJECT_RATE_LIMIT', longestWait(LIMITS.perSubject!));
  expect(refused.body.errors![0].message).toMatch(/at most 5 in a minute/);
  expect(await entriesAfter(before)).toEqual([
    expect.objectContaining({
      outcome: 'refused', error_codes: ['RATE_LIMITED'], caller_agency: 'transport', caller_subject: 'busy-clerk', purpose: 'service-delivery',
      document_hash: createHash('sha256').update(PING).digest('hex'),
    }),
  ]);
  // Refused again at once, from this gateway's memory, and logged again.
  expectRateLimited(await send(caller), 'SUBJECT_RATE_LIMIT', longestWait(LIMITS.perSubject!));
  expect(await entriesAfter(before)).toHaveLength(2);
});

test('another caller of the same agency is unaffected until the agency’s limit; other agencies are unaffected', async () => {
  // busy-clerk's 5 admitted requests count for transport; its refused ones do not.
  const colleague: CallerSpec = { agency: 'transport', subject: 'colleague' };
  for (let i = 0; i < 3; i++) expect((await send(colleague)).res.status).toBe(200);
  expectRateLimited(await send(colleague), 'AGENCY_RATE_LIMIT', longestWait(LIMITS.perAgency!));
  expectRateLimited(await send({ agency: 'transport', subject: 'newcomer' }), 'AGENCY_RATE_LIMIT', longestWait(LIMITS.perAgency!));
  expect((await send({ agency: 'municipal', subject: 'colleague' })).res.status).toBe(200);
});

test('two gateways on the same database share the counts', async () => {
  const replica = await stack.startGatewayReplica();
  const caller: CallerSpec = { agency: 'mepma', subject: 'roaming-officer' };
  for (let i = 0; i < 3; i++) expect((await send(caller)).res.status).toBe(200);
  for (let i = 0; i < 2; i++) expect((await send(caller, replica.server.url)).res.status).toBe(200);
  // Six requests in all: refused by the replica, which saw only two of them...
  expectRateLimited(await send(caller, replica.server.url), 'SUBJECT_RATE_LIMIT', longestWait(LIMITS.perSubject!));
  // ...and by the first gateway, which never refused this caller itself.
  expectRateLimited(await send(caller), 'SUBJECT_RATE_LIMIT', longestWait(LIMITS.perSubject!));
  // Five requests counted, in one row both gateways wrote; the refused ones count for nothing.
  const [{ hits }] = await gatewayDb().execute(`select sum(hits)::int as hits from rate_limit_window where bucket = 'subject:mepma:roaming-officer'`);
  expect(hits).toBe(5);
});

/**
 * The conflict limit counts in fixed hours (UTC), so a prober's block lasts to the end of the hour
 * it reached the limit in. So that the block is long enough to tell from the per-minute limits,
 * a test that needs one starts only with more than `seconds` of the hour left.
 */
async function unlessTheHourEndsWithin(seconds: number): Promise<void> {
  const left = 3600_000 - (Date.now() % 3600_000);
  if (left < seconds * 1000) await new Promise((resolve) => setTimeout(resolve, left + 200));
}

test('repeated CONFLICTs hit the conflict limit: the caller gets 429 until the hour ends, other callers do not', async () => {
  await unlessTheHourEndsWithin(90);
  const registrar: CallerSpec = { agency: 'labour', subject: 'prober' };
  const REGISTER = `mutation Register($input: RegisterWorkerInput!) { registerWorker(input: $input) { id } }`;
  const input = (n: number) => ({
    name: 'Probe Target', gender: 'FEMALE', dateOfBirth: '1990-04-12', phone: '+91 63000 99001',
    idReferenceToken: `ADV-PROBE-${n}`, idLast4: '4321', occupation: 'DOMESTIC', city: 'VJA', ward: 'VJA-W12',
  });
  expect((await send(registrar, stack.gatewayUrl, REGISTER, { input: input(1) })).body.errors).toBeUndefined();
  for (let n = 2; n <= 4; n++) expect(errorCodes((await send(registrar, stack.gatewayUrl, REGISTER, { input: input(n) })).body)).toEqual(['CONFLICT']);
  const before = await lastSeq();
  const refused = await send(registrar);
  expectRateLimited(refused, 'CONFLICT_RATE_LIMIT', longestWait(LIMITS.conflictsPerSubject!));
  const retryAfter = Number(refused.res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(60);
  // Until the hour ends: then the three conflicts are the previous window, weighted under the limit.
  const leftOfHour = (3600_000 - (Date.now() % 3600_000)) / 1000;
  expect(Math.abs(retryAfter - leftOfHour)).toBeLessThanOrEqual(2);
  expect((await entriesAfter(before)).map((e) => [e.outcome, e.error_codes, e.caller_subject])).toEqual([['refused', ['RATE_LIMITED'], 'prober']]);
  expect((await send({ agency: 'labour', subject: 'honest-registrar' })).res.status).toBe(200);
}, 120_000);

test('rates are configured as N/unit, or off', () => {
  expect(parseRate('RATE_LIMIT_PER_SUBJECT', '600/min')).toEqual({ limit: 600, windowSeconds: 60 });
  expect(parseRate('RATE_LIMIT_CONFLICTS', '20/hour')).toEqual({ limit: 20, windowSeconds: 3600 });
  expect(parseRate('X', '5 / 10s')).toEqual({ limit: 5, windowSeconds: 10 });
  expect(parseRate('X', 'off')).toBeUndefined();
  expect(() => parseRate('RATE_LIMIT_PER_AGENCY', '6000 per minute')).toThrow(/RATE_LIMIT_PER_AGENCY must be a rate such as 600\/min/);
  expect(() => parseRate('X', '0/min')).toThrow();
});
