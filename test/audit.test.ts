/**
 * The access log and provenance, as an auditor uses them: one entry per request with the facts
 * an investigation needs, a hash chain that `npm run audit:verify` checks, no answer without an
 * entry, and the graph alone answering "where did this value come from, who changed it, and who
 * has looked at this worker".
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { asOwner as ownerSql, errorCodes, expectAppendOnly, startTestStack, type CallerSpec, type TestStack } from './support/stack';

let stack: TestStack;
const AUDITOR: CallerSpec = { agency: 'labour', subject: 'auditor-1', role: 'auditor', scopes: ['read'], purpose: 'Audit' };

beforeAll(async () => {
  stack = await startTestStack('audit', { as: { agency: 'labour', subject: 'officer-7' } });
});
afterAll(() => stack?.stop());

const gatewayDb = () => stack.audit.log.fork().getConnection();
const entries = (where = 'true', params: unknown[] = []): Promise<any[]> => gatewayDb().execute(`select * from access_log where ${where} order by seq`, params);
const lastEntry = async () => (await gatewayDb().execute('select * from access_log order by seq desc limit 1'))[0];

/** `npm run audit:verify` against this suite's databases, keys and checkpoints, as an operator would run it. */
async function auditVerify(): Promise<{ code: number; out: string }> {
  const root = path.resolve(__dirname, '..');
  const env = { ...process.env, DATABASE_URL: stack.databaseUrl, AUDIT_PUBLIC_KEYS_FILE: stack.audit.publicKeysFile, AUDIT_CHECKPOINT_FILE: stack.audit.checkpointFile };
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/audit-verify.ts'], { cwd: root, env });
    return { code: 0, out: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout + failed.stderr };
  }
}

test('a request writes one entry: caller, purpose, operation, document hash, workers, agencies, outcome, duration', async () => {
  const query = `query WorkerCard($id: ID!) { worker(id: $id) { name cigMemberships { role } } }`;
  const res = await stack.query(query, { id: 'W-0000003' }, { purpose: 'CIG follow-up' });
  expect(res.errors).toBeUndefined();
  const entry = await lastEntry();
  expect(entry).toMatchObject({
    caller_agency: 'labour',
    caller_subject: 'officer-7',
    caller_role: 'officer',
    caller_jurisdiction: 'national',
    purpose: 'cig-follow-up',
    operation_type: 'query',
    operation_name: 'WorkerCard',
    document_hash: createHash('sha256').update(query).digest('hex'),
    worker_ids: ['W-0000003'],
    subgraphs: ['labour', 'mepma'],
    outcome: 'ok',
    error_codes: [],
  });
  expect(entry.duration_ms).toBeGreaterThanOrEqual(0);
});

test('the workers named are the ones whose records the answer carried, however they were reached', async () => {
  await stack.query(`{ cig(id: "CIG-000002") { members { worker { id } } } }`);
  const members = await stack.subgraphs.get('mepma')!.database.orm.em.getConnection().execute(`select worker_id from cig_membership where cig_id = 'CIG-000002' and left_on is null order by worker_id`);
  expect((await lastEntry()).worker_ids).toEqual(members.map((m: any) => m.worker_id));
});

test('refused and failed requests are logged with their outcome and codes', async () => {
  await stack.query(`{ worker(id: "W-0000001") { icdsEnrolments { id } } }`);
  expect(await lastEntry()).toMatchObject({ outcome: 'denied', error_codes: ['FORBIDDEN'], subgraphs: [] });
  await stack.query(`{ worker(id: "W-9999999") { id } }`);
  expect(await lastEntry()).toMatchObject({ outcome: 'error', error_codes: ['NOT_FOUND'] });
  await stack.query(`{ worker(id: "W-0000001") { id } }`, {}, { purpose: undefined });
  expect(await lastEntry()).toMatchObject({ outcome: 'denied', caller_agency: null, error_codes: ['FORBIDDEN'] });
  await fetch(stack.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ worker(id: "W-0000001") { id } }', operationName: null }) });
  expect(await lastEntry()).toMatchObject({ outcome: 'unauthenticated', caller_agency: null, error_codes: ['UNAUTHENTICATED'] });
});

test('a mutation is logged before it runs and again with its outcome', async () => {
  const before = Number((await lastEntry()).seq);
  const res = await stack.query(
    `mutation Enrol($w: ID!) { enrolInScheme(input: { workerId: $w, scheme: PMSBY, enrolledOn: "2025-01-10", schemeReference: "PMSBY-AUDIT-1" }) { id } }`,
    { w: 'W-0000010' },
  );
  const written = await entries('seq > ?', [before]);
  expect(written.map((e) => [e.operation_name, e.outcome])).toEqual([
    ['Enrol', 'started'],
    ['Enrol', res.errors ? 'error' : 'ok'],
  ]);
});

describe('the hash chain', () => {
  test('is intact after ordinary use, and audit:verify says so: hashes, signatures and the checkpoint', async () => {
    await stack.audit.writer.checkpoint();
    const { code, out } = await auditVerify();
    expect(code).toBe(0);
    expect(out).toMatch(/Access log intact: \d+ entries, head hash [0-9a-f]{64}/);
    expect(out).toMatch(/Signed: every entry, in \d+ batches, by gateway-audit-\S+\./);
    expect(out).toMatch(/Checkpoints: 1 agree; the latest, \S+, at entry \d+/);
  });

  test('the database refuses to change or delete an entry: the gateway may not, and the trigger stops even the owner', async () => {
    await expectAppendOnly(stack, 'gateway', 'access_log', 'caller_subject', (statement) => gatewayDb().execute(statement));
  });

  /** What someone with the table owner's rights could do: switch the guard off and edit. */
  async function asOwner(sql: string, params: unknown[] = []) {
    await ownerSql(stack, 'gateway', ['alter table access_log disable trigger access_log_no_change', sql], params).finally(() =>
      ownerSql(stack, 'gateway', 'alter table access_log enable trigger access_log_no_change'),
    );
  }

  test('a changed entry is detected and named', async () => {
    const [entry] = await entries('seq = 2');
    await asOwner(`update access_log set caller_subject = 'someone-else' where seq = 2`);
    const { code, out } = await auditVerify();
    expect(code).toBe(1);
    expect(out).toMatch(/BROKEN at entry 2: its content no longer matches its hash/);
    await asOwner(`update access_log set caller_subject = $1 where seq = 2`, [entry.caller_subject]);
    expect((await auditVerify()).code).toBe(0);
  });

  test('a deleted entry is detected', async () => {
    const [entry] = await entries('seq = 3');
    await asOwner('delete from access_log where seq = 3');
    const { code, out } = await auditVerify();
    expect(code).toBe(1);
    expect(out).toMatch(/BROKEN at entry 4: entry 3 is missing/);
    await gatewayDb().execute(
      `insert into access_log select * from json_populate_record(null::access_log, ?::json)`,
      [JSON.stringify(entry)],
    );
    expect((await auditVerify()).code).toBe(0);
  });

  test('reordered entries are detected', async () => {
    const [a, b] = await entries('seq in (4, 5)');
    const swap = async (first: any, second: any) => {
      await asOwner(`delete from access_log where seq in (4, 5)`);
      for (const [seq, row] of [[4, first], [5, second]] as const) {
        await gatewayDb().execute(`insert into access_log select * from json_populate_record(null::access_log, ?::json)`, [JSON.stringify({ ...row, seq })]);
      }
    };
    await swap(b, a);
    const { code, out } = await auditVerify();
    expect(code).toBe(1);
    expect(out).toMatch(/BROKEN at entry 4/);
    await swap(a, b);
    expect((await auditVerify()).code).toBe(0);
  });
});

describe('no entry, no answer', () => {
  const refuseWrites = () => ownerSql(stack, 'gateway', 'alter table access_log add constraint audit_test_refuse check (false) not valid');
  const allowWrites = () => ownerSql(stack, 'gateway', 'alter table access_log drop constraint audit_test_refuse');

  test('a query whose entry cannot be written gets AUDIT_UNAVAILABLE and no data', async () => {
    await refuseWrites();
    try {
      const res = await stack.query(`{ worker(id: "W-0000001") { name phone } }`);
      expect(res.status).toBe(503);
      expect(errorCodes(res)).toEqual(['AUDIT_UNAVAILABLE']);
      expect(res.data).toBeUndefined();
      expect(JSON.stringify(res)).not.toMatch(/W-0000001|check constraint/);
    } finally {
      await allowWrites();
    }
  });

  test('a mutation whose entry cannot be written changes nothing', async () => {
    const labour = stack.subgraphs.get('labour')!.database.orm.em.getConnection();
    const count = async () => Number((await labour.execute('select count(*)::int as n from worker'))[0].n);
    const before = await count();
    await refuseWrites();
    try {
      const res = await stack.query(
        `mutation { registerWorker(input: { name: "Audit Gap", gender: FEMALE, dateOfBirth: "1990-01-01", phone: "9000011111", idReferenceToken: "ADV-AUDITGAP1", idLast4: "1111", occupation: DOMESTIC, city: "VJA", ward: "VJA-W01" }) { id } }`,
      );
      expect(errorCodes(res)).toEqual(['AUDIT_UNAVAILABLE']);
    } finally {
      await allowWrites();
    }
    expect(await count()).toBe(before);
  });
});

describe('auditors read the log through the graph', () => {
  const LOG = `query($filter: AccessLogFilter, $first: Int, $after: String) {
    accessLog(filter: $filter, first: $first, after: $after) {
      totalCount
      edges { cursor node { sequence at caller { agency subject role jurisdiction } purpose operationName workerIds subgraphs outcome errorCodes hash previousHash } }
      pageInfo { hasNextPage endCursor }
    }
  }`;

  test('by worker, by caller and by time, page by page', async () => {
    await stack.query(`{ worker(id: "W-0000042") { name } }`, {}, { subject: 'looker-1', purpose: 'Grievance' });
    await stack.query(`{ worker(id: "W-0000042") { phone } }`, {}, { subject: 'looker-2', agency: 'mepma' });

    const byWorker = await stack.query(LOG, { filter: { workerId: 'W-0000042' } }, AUDITOR);
    expect(byWorker.errors).toBeUndefined();
    const nodes = byWorker.data.accessLog.edges.map((e: any) => e.node);
    expect(nodes.map((n: any) => n.caller.subject)).toEqual(['looker-1', 'looker-2']);
    expect(nodes[0]).toMatchObject({ purpose: 'grievance', outcome: 'OK', workerIds: ['W-0000042'], subgraphs: ['labour'] });
    expect(nodes[1].previousHash).toMatch(/^[0-9a-f]{64}$/);

    const byCaller = await stack.query(LOG, { filter: { callerAgency: 'mepma', callerSubject: 'looker-2' } }, AUDITOR);
    expect(byCaller.data.accessLog.totalCount).toBe(1);

    const future = await stack.query(LOG, { filter: { workerId: 'W-0000042', from: new Date(Date.now() + 60_000).toISOString() } }, AUDITOR);
    expect(future.data.accessLog.totalCount).toBe(0);

    const first = await stack.query(LOG, { first: 2 }, AUDITOR);
    const second = await stack.query(LOG, { first: 2, after: first.data.accessLog.pageInfo.endCursor }, AUDITOR);
    expect(first.data.accessLog.pageInfo.hasNextPage).toBe(true);
    const seqs = [...first.data.accessLog.edges, ...second.data.accessLog.edges].map((e: any) => Number(e.node.sequence));
    expect(seqs).toEqual([1, 2, 3, 4]);
  });

  test('only auditors may read it', async () => {
    for (const role of ['officer', 'analyst', 'service'] as const) {
      const res = await stack.query(LOG, {}, { role });
      expect(errorCodes(res)).toEqual(['FORBIDDEN']);
    }
  });

  test('a city auditor reads the requests of callers inside that city only', async () => {
    await stack.query(`{ workers(first: 1) { totalCount } }`, {}, { subject: 'vja-officer', jurisdiction: 'city:VJA' });
    const res = await stack.query(LOG, { first: 100, filter: { callerAgency: 'labour' } }, { ...AUDITOR, jurisdiction: 'city:VJA' });
    const jurisdictions = new Set(res.data.accessLog.edges.map((e: any) => e.node.caller.jurisdiction));
    expect([...jurisdictions]).toEqual(['city:VJA']);
  });
});

test('the graph alone says where a value came from, who changed it, and who has looked at the worker', async () => {
  const registered = await stack.query(
    `mutation { registerWorker(input: { name: "Kondapalli Rani", gender: FEMALE, dateOfBirth: "1991-05-05", phone: "9000022222", idReferenceToken: "ADV-PROVENANCE1", idLast4: "2222", occupation: CARE, city: "VJA", ward: "VJA-W03" }) { id } }`,
    {},
    { subject: 'registrar-1', purpose: 'Scheme enrolment' },
  );
  const id = registered.data.registerWorker.id;
  await stack.query(`mutation($id: ID!) { updateWorker(id: $id, input: { phone: "9000033333" }) { id } }`, { id }, { subject: 'registrar-2', purpose: 'Grievance' });
  await stack.query(`query($id: ID!) { worker(id: $id) { name } }`, { id }, { agency: 'mepma', subject: 'cig-officer', purpose: 'CIG formation' });

  const res = await stack.query(
    `query($id: ID!) {
      worker(id: $id) { phone source { agency system recordedBy updatedBy } history { at by purpose action changes { field oldValue newValue } } }
      accessLog(filter: { workerId: $id }) { edges { node { caller { agency subject } purpose operationType outcome } } }
    }`,
    { id },
    AUDITOR,
  );
  expect(res.errors).toBeUndefined();
  const { worker, accessLog } = res.data;
  expect(worker.source).toMatchObject({ agency: 'labour', system: 'Worker Graph', recordedBy: 'labour:registrar-1', updatedBy: 'labour:registrar-2' });
  expect(worker.history.map((h: any) => [h.action, h.by, h.purpose])).toEqual([
    ['CREATED', 'labour:registrar-1', 'scheme-enrolment'],
    ['UPDATED', 'labour:registrar-2', 'grievance'],
  ]);
  // An auditor sees that the phone changed, masked as the field itself is for them.
  expect(worker.history[1].changes).toEqual([{ field: 'phone', oldValue: '******2222', newValue: '******3333' }]);
  expect(worker.phone).toBe('******3333');
  const looks = accessLog.edges.map((e: any) => [e.node.caller.subject, e.node.purpose, e.node.operationType]);
  expect(looks).toEqual(expect.arrayContaining([
    ['registrar-1', 'scheme-enrolment', 'mutation'],
    ['registrar-2', 'grievance', 'mutation'],
    ['cig-officer', 'cig-formation', 'query'],
  ]));
});
