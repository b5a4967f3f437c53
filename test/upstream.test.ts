/**
 * How the gateway calls one agency, against real HTTP servers on loopback: a silent agency costs
 * one timeout, a runaway answer is cut off at the cap, an agency that keeps failing is not called
 * until a trial call succeeds, and an agency refusing the caller's input is an answer, not an outage.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RemoteGraphQLDataSource } from '@apollo/gateway';
// Not re-exported from the package's index.
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import { upstreamFetch, UpstreamError, type UpstreamReason } from '../gateway/upstream';
import { Metrics } from '../src/shared/metrics';
import { freePort } from './support/ports';

interface Agency {
  url: string;
  /** Requests that reached the server, and the TCP connections they came on. */
  requests: number;
  connections: number;
  answer: http.RequestListener;
  close(): Promise<void>;
}

const agencies: Agency[] = [];
afterEach(async () => {
  await Promise.all(agencies.splice(0).map((agency) => agency.close()));
});

async function startAgency(answer: http.RequestListener): Promise<Agency> {
  const server = http.createServer((req, res) => {
    agency.requests++;
    agency.answer(req, res);
  });
  server.on('connection', () => agency.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const agency: Agency = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    requests: 0,
    connections: 0,
    answer,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  agencies.push(agency);
  return agency;
}

function json(status: number, body: unknown): http.RequestListener {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
}

const QUERY = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ ok }"}' };

async function failure(call: Promise<unknown>): Promise<UpstreamError> {
  const error = await call.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

async function reasonOf(call: Promise<unknown>): Promise<UpstreamReason> {
  return (await failure(call)).reason;
}

test('an agency that never answers fails with TIMEOUT after about timeoutMs', async () => {
  const agency = await startAgency(() => undefined); // takes the request and says nothing
  const call = upstreamFetch({ agency: 'labour', timeoutMs: 300 });
  const started = performance.now();
  const error = await failure(call(agency.url, QUERY));
  const elapsed = performance.now() - started;
  expect(error).toMatchObject({ agency: 'labour', reason: 'TIMEOUT' });
  expect(elapsed).toBeGreaterThanOrEqual(290);
  expect(elapsed).toBeLessThan(1000);
});

test('an agency that sends headers and then stalls mid-answer also fails with TIMEOUT', async () => {
  const agency = await startAgency((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"data":');
  });
  const call = upstreamFetch({ agency: 'labour', timeoutMs: 300 });
  expect(await reasonOf(call(agency.url, QUERY))).toBe('TIMEOUT');
});

test('a refused connection fails with UNREACHABLE', async () => {
  const port = await freePort(); // nothing listens there any more
  const call = upstreamFetch({ agency: 'icds', timeoutMs: 2000 });
  const error = await failure(call(`http://127.0.0.1:${port}/graphql`, QUERY));
  expect(error).toMatchObject({ agency: 'icds', reason: 'UNREACHABLE' });
  expect(error.message).toContain('ECONNREFUSED');
});

test('an answer over the cap fails with TOO_LARGE soon after the cap, without the rest being received', async () => {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let sent = 0;
  let disconnected!: () => void;
  const clientLeft = new Promise<void>((resolve) => (disconnected = resolve));
  // 200 MB, a chunk at a time, respecting backpressure so this server itself buffers little.
  const agency = await startAgency((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.on('close', disconnected);
    const more = () => {
      while (!res.destroyed && sent < 200 * 1024 * 1024) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', () => setTimeout(more, 1));
      }
      res.end();
    };
    more();
  });
  const call = upstreamFetch({ agency: 'transport', timeoutMs: 30_000, maxResponseBytes: 1024 * 1024 });
  const before = process.memoryUsage();
  const started = performance.now();
  expect(await reasonOf(call(agency.url, QUERY))).toBe('TOO_LARGE');
  expect(performance.now() - started).toBeLessThan(2000);
  await clientLeft; // the gateway closed the connection, so the agency stopped sending
  expect(sent).toBeLessThan(32 * 1024 * 1024);
  const after = process.memoryUsage();
  expect(after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers)).toBeLessThan(64 * 1024 * 1024);
});

test('an answer whose declared length is over the cap fails with TOO_LARGE before its body is read', async () => {
  const agency = await startAgency((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(200 * 1024 * 1024) });
    res.write('{"data":'); // and never the rest
  });
  const call = upstreamFetch({ agency: 'transport', timeoutMs: 30_000, maxResponseBytes: 1024 * 1024 });
  const started = performance.now();
  expect(await reasonOf(call(agency.url, QUERY))).toBe('TOO_LARGE');
  expect(performance.now() - started).toBeLessThan(1000);
});

test('after N consecutive failures the circuit opens, and a successful trial call after halfOpenAfterMs closes it', async () => {
  const agency = await startAgency(json(500, { errors: [{ message: 'database down' }] }));
  const metrics = new Metrics('gateway');
  const call = upstreamFetch({ agency: 'mepma', timeoutMs: 2000, breaker: { failures: 3, halfOpenAfterMs: 200 }, metrics });

  for (let i = 0; i < 3; i++) expect(await failure(call(agency.url, QUERY))).toMatchObject({ reason: 'HTTP_ERROR', status: 500 });
  expect(agency.requests).toBe(3);
  expect(await recorded(metrics, 'worker_graph_circuit_state', { agency: 'mepma' })).toBe(2);

  // Open: refused at once, without reaching the agency.
  const started = performance.now();
  expect(await reasonOf(call(agency.url, QUERY))).toBe('CIRCUIT_OPEN');
  expect(await reasonOf(call(agency.url, QUERY))).toBe('CIRCUIT_OPEN');
  expect(performance.now() - started).toBeLessThan(50);
  expect(agency.requests).toBe(3);

  // The agency recovers; after halfOpenAfterMs one trial call goes through and closes the circuit.
  agency.answer = json(200, { data: { ok: true } });
  await new Promise((resolve) => setTimeout(resolve, 250));
  const trial = await call(agency.url, QUERY);
  expect(await trial.json()).toEqual({ data: { ok: true } });
  expect(agency.requests).toBe(4);
  expect(await recorded(metrics, 'worker_graph_circuit_state', { agency: 'mepma' })).toBe(0);
  expect((await call(agency.url, QUERY)).status).toBe(200);
  expect(agency.requests).toBe(5);
});

test('a failed trial call opens the circuit again', async () => {
  const agency = await startAgency(json(503, {}));
  const call = upstreamFetch({ agency: 'mepma', timeoutMs: 2000, breaker: { failures: 1, halfOpenAfterMs: 100 } });
  expect(await reasonOf(call(agency.url, QUERY))).toBe('HTTP_ERROR');
  expect(await reasonOf(call(agency.url, QUERY))).toBe('CIRCUIT_OPEN');
  await new Promise((resolve) => setTimeout(resolve, 150));
  expect(await reasonOf(call(agency.url, QUERY))).toBe('HTTP_ERROR'); // the trial
  expect(await reasonOf(call(agency.url, QUERY))).toBe('CIRCUIT_OPEN');
  expect(agency.requests).toBe(2);
});

test('a 400 with GraphQL errors is the agency answering: returned as a Response, never opening the circuit', async () => {
  const rejection = { errors: [{ message: 'Impossible date "2024-02-30".', extensions: { code: 'BAD_USER_INPUT', field: 'dateOfBirth' } }] };
  const agency = await startAgency(json(400, rejection));
  const call = upstreamFetch({ agency: 'labour', timeoutMs: 2000, breaker: { failures: 1 } });
  for (let i = 0; i < 3; i++) {
    const response = await call(agency.url, QUERY);
    expect(response.ok).toBe(false);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual(rejection);
  }
  expect(agency.requests).toBe(3);
});

test("Apollo Gateway's RemoteGraphQLDataSource reads the answers of this fetcher", async () => {
  const agency = await startAgency(json(200, { data: { ok: true } }));
  const dataSource = new RemoteGraphQLDataSource({
    url: agency.url,
    fetcher: upstreamFetch({ agency: 'labour', timeoutMs: 2000 }) as unknown as RemoteGraphQLDataSource['fetcher'],
  });
  const answer = await dataSource.process({ kind: GraphQLDataSourceRequestKind.HEALTH_CHECK, request: { query: '{ ok }' }, context: {} });
  expect(answer.data).toEqual({ ok: true });
});

test('calls reuse kept-alive connections', async () => {
  const agency = await startAgency(json(200, { data: { ok: true } }));
  const call = upstreamFetch({ agency: 'labour', timeoutMs: 2000 });
  for (let i = 0; i < 10; i++) await (await call(agency.url, QUERY)).json();
  expect(agency.requests).toBe(10);
  // undici may open a second connection while the first is going back to its pool; never one per call.
  expect(agency.connections).toBeLessThanOrEqual(2);
});

test('metrics name each call by agency and outcome, count timeouts and show the circuit state', async () => {
  const metrics = new Metrics('gateway');
  const silent = await startAgency(() => undefined);
  const answering = await startAgency(json(200, { data: { ok: true } }));
  await failure(upstreamFetch({ agency: 'icds', timeoutMs: 100, metrics })(silent.url, QUERY));
  await upstreamFetch({ agency: 'labour', timeoutMs: 2000, metrics })(answering.url, QUERY);
  const text = await metrics.text();
  expect(text).toContain('# TYPE worker_graph_upstream_duration_seconds histogram');
  expect(text).toContain('# TYPE worker_graph_circuit_state gauge');
  const histogram = 'worker_graph_upstream_duration_seconds';
  expect(await recorded(metrics, histogram, { agency: 'icds', outcome: 'timeout' }, `${histogram}_count`)).toBe(1);
  expect(await recorded(metrics, histogram, { agency: 'labour', outcome: 'ok' }, `${histogram}_count`)).toBe(1);
  expect(await recorded(metrics, 'worker_graph_upstream_timeouts_total', { agency: 'icds' })).toBe(1);
  expect(await recorded(metrics, 'worker_graph_upstream_timeouts_total', { agency: 'labour' })).toBeUndefined();
  expect(await recorded(metrics, 'worker_graph_circuit_state', { agency: 'labour' })).toBe(0);
});

/** What `metrics` recorded for one series of a metric (a histogram's `_count`, say), by a subset of its labels. */
async function recorded(metrics: Metrics, metric: string, labels: Record<string, string>, series = metric): Promise<number | undefined> {
  const { values } = await metrics.registry.getSingleMetric(metric)!.get();
  const found = values.find(
    // A histogram's values name their series (`_bucket`, `_sum`, `_count`); a counter's or a gauge's do not.
    (value) => ((value as { metricName?: string }).metricName ?? metric) === series && Object.entries(labels).every(([key, label]) => value.labels[key] === label),
  );
  return found?.value;
}
