/**
 * Writes that survive a bad connection, through the real gateway on real PostgreSQL: a mutation
 * sent again with the same idempotencyKey writes once and answers the same; the key with other
 * arguments is refused (IDEMPOTENCY_KEY_REUSED); keys are each caller's own; concurrent
 * duplicates write once; a key still held by a running request is IDEMPOTENCY_KEY_IN_PROGRESS;
 * a failed write keeps no key; malformed keys are BAD_USER_INPUT; expired keys are purged and
 * may be used afresh. Every agency's mutations take keys (src/shared/idempotency.ts).
 */
import pg from 'pg';
import { addDays, addYears, today } from '../src/shared/dates';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { GraphQLFieldResolver, GraphQLResolveInfo } from 'graphql';
import type { Caller } from '../src/shared/access/caller';
import { idempotentMutations, purgeExpiredIdempotencyKeys } from '../src/shared/idempotency';
import { writeInTransaction } from '../src/shared/transactions';
import { asOwner, errorCodes, startTestStack, type CallerSpec, type GraphQLResponse, type TestStack } from './support/stack';

let stack: TestStack;

// The suite writes as a national MEPMA officer, `mepma:idempotency-tester`.
beforeAll(async () => {
  stack = await startTestStack('idempotency', { as: { agency: 'mepma' } });
});
afterAll(() => stack?.stop());

const CALLER = 'mepma:idempotency-tester';

async function sql<T = any>(agency: string, query: string, params: unknown[] = []): Promise<T[]> {
  return stack.subgraphs.get(agency)!.database.orm.em.getConnection().execute(query, params);
}

async function count(agency: string, table: string, where = 'true', params: unknown[] = []): Promise<number> {
  const [{ n }] = await sql(agency, `select count(*)::int as n from ${table} where ${where}`, params);
  return n;
}

let keys = 0;
/** A fresh key per use, in the shape a field app might make one: `<device>:<counter>`. */
function newKey(): string {
  keys += 1;
  return `tablet-0042:${Date.now()}:${keys}`;
}

const SAVE = /* GraphQL */ `
  mutation Save($input: RecordSavingsInput!, $key: ID) {
    recordSavings(input: $input, idempotencyKey: $key) {
      id amount depositedOn worker { id }
      source { agency recordId recordedAt recordedBy updatedAt }
      history { action by }
    }
  }`;

/** A bank-linked CIG with an active member who may deposit today. */
let saver: { cigId: string; workerId: string };
const depositedOn = today();

beforeAll(async () => {
  const [row] = await sql(
    'mepma',
    `select m.cig_id, m.worker_id from cig_membership m join bank_linkage b on b.cig_id = m.cig_id
      where m.left_on is null and m.joined_on <= current_date and b.linked_on <= current_date order by m.id limit 1`,
  );
  saver = { cigId: row.cig_id, workerId: row.worker_id };
});

const deposits = () => count('mepma', 'savings_deposit', 'cig_id = ? and worker_id = ?', [saver.cigId, saver.workerId]);

function save(amount: number, key?: string | null, caller?: CallerSpec): Promise<GraphQLResponse> {
  return stack.query(SAVE, { input: { ...saver, amount, depositedOn }, key }, caller);
}

async function storedKey(key: string, caller = CALLER) {
  const [row] = await sql('mepma', 'select field, result, expires_at from idempotency_key where caller = ? and key = ?', [caller, key]);
  return row;
}

describe('recordSavings sent again with the same key', () => {
  test('three sends of one deposit write one deposit, and each answer is the first', async () => {
    const key = newKey();
    const before = await deposits();
    const first = await save(120, key);
    expect(first.errors).toBeUndefined();
    const second = await save(120, key);
    const third = await save(120, key);
    expect(second).toEqual(first);
    expect(third).toEqual(first);
    expect(await deposits()).toBe(before + 1);
    const deposit = first.data.recordSavings;
    expect(deposit).toMatchObject({ amount: 120, depositedOn, worker: { id: saver.workerId }, history: [{ action: 'CREATED', by: CALLER }] });
    // One deposit row and one change-history entry for it: the retries wrote nothing.
    expect(await count('mepma', 'savings_deposit', 'id = ?', [deposit.id])).toBe(1);
    expect(await count('mepma', 'record_change', 'record_key = ?', [`savings_deposit:${deposit.id}`])).toBe(1);
    // The key keeps the record's identity, not a copy of its fields, for IDEMPOTENCY_KEY_HOURS (24).
    const row = await storedKey(key);
    expect(row.field).toBe('recordSavings');
    expect(row.result).toEqual({ entity: 'SavingsDeposit', id: deposit.id });
    const hours = (new Date(row.expires_at).getTime() - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.9);
    expect(hours).toBeLessThanOrEqual(24);
  });

  test('without a key, the same mutation sent twice writes twice (why keys are needed)', async () => {
    const before = await deposits();
    const [a, b] = [await save(75), await save(75, null)];
    expect(a.errors).toBeUndefined();
    expect(b.errors).toBeUndefined();
    expect(a.data.recordSavings.id).not.toBe(b.data.recordSavings.id);
    expect(await deposits()).toBe(before + 2);
  });

  test('the same key with another amount, or for another mutation, is CONFLICT IDEMPOTENCY_KEY_REUSED and writes nothing', async () => {
    const key = newKey();
    const first = await save(200, key);
    expect(first.errors).toBeUndefined();
    const before = await deposits();
    const changes = await count('mepma', 'record_change');

    const otherAmount = await save(250, key);
    expect(errorCodes(otherAmount)).toEqual(['CONFLICT']);
    expect(otherAmount.errors![0].extensions).toMatchObject({ reason: 'IDEMPOTENCY_KEY_REUSED', field: 'idempotencyKey' });
    expect(otherAmount.data).toBeNull();

    const otherField = await stack.query(
      `mutation($input: RecordCreditLinkageInput!, $key: ID) { recordCreditLinkage(input: $input, idempotencyKey: $key) { id } }`,
      { input: { cigId: saver.cigId, lender: 'Union Bank of India', amount: 50_000, sanctionedOn: today(), purpose: 'Working capital' }, key },
    );
    expect(errorCodes(otherField)).toEqual(['CONFLICT']);
    expect(otherField.errors![0].extensions!.reason).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(otherField.errors![0].message).toMatch(/recordSavings/);

    expect(await deposits()).toBe(before);
    expect(await count('mepma', 'record_change')).toBe(changes);
    // The first request's key still answers as before.
    expect(await save(200, key)).toEqual(first);
  });

  test("keys are each caller's own: another officer sending the same key gets their own write, not the first caller's answer", async () => {
    const key = newKey();
    const mine = await save(90, key);
    const before = await deposits();
    const theirs = await save(90, key, { subject: 'another-officer' });
    expect(theirs.errors).toBeUndefined();
    expect(theirs.data.recordSavings.id).not.toBe(mine.data.recordSavings.id);
    expect(theirs.data.recordSavings.source.recordedBy).toBe('mepma:another-officer');
    expect(await deposits()).toBe(before + 1);
    // Each has their key; each retry answers its own caller.
    expect((await save(90, key, { subject: 'another-officer' })).data.recordSavings.id).toBe(theirs.data.recordSavings.id);
    expect((await save(90, key)).data.recordSavings.id).toBe(mine.data.recordSavings.id);
    expect(await deposits()).toBe(before + 1);
  });

  test('the same caller with another jurisdiction is not the same request: REUSED, so no answer it may no longer see', async () => {
    const key = newKey();
    expect((await save(60, key)).errors).toBeUndefined();
    const narrowed = await save(60, key, { jurisdiction: 'city:VJA' });
    expect(errorCodes(narrowed)).toEqual(['CONFLICT']);
    expect(narrowed.errors![0].extensions!.reason).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  test('three concurrent sends of one deposit write exactly one, and all three answer alike', async () => {
    const key = newKey();
    const before = await deposits();
    const answers = await Promise.all([save(333, key), save(333, key), save(333, key)]);
    expect(await deposits()).toBe(before + 1);
    const answered = answers.filter((a) => !a.errors);
    // Each waits for the first (up to IDEMPOTENCY_WAIT_MS); on a machine slow enough not to, it is told so.
    for (const refused of answers.filter((a) => a.errors)) expect(refused.errors![0].extensions!.reason).toBe('IDEMPOTENCY_KEY_IN_PROGRESS');
    expect(answered.length).toBeGreaterThanOrEqual(1);
    for (const answer of answered) expect(answer).toEqual(answered[0]);
    expect(await count('mepma', 'savings_deposit', 'id = ?', [answered[0].data.recordSavings.id])).toBe(1);
  });

  test('while another request holds the key, a retry waits, then is CONFLICT IDEMPOTENCY_KEY_IN_PROGRESS; once it is gone the key is free', async () => {
    const key = newKey();
    const holder = new pg.Client({ connectionString: stack.databases.get('mepma')!.ownerUrl });
    await holder.connect();
    try {
      // A first request that has taken the key and not yet committed.
      await holder.query('begin');
      await holder.query(
        `insert into idempotency_key (caller, key, field, fingerprint, expires_at) values ($1, $2, 'recordSavings', 'running', now() + interval '1 hour')`,
        [CALLER, key],
      );
      const before = await deposits();
      const started = Date.now();
      const retry = await save(44, key);
      expect(errorCodes(retry)).toEqual(['CONFLICT']);
      expect(retry.errors![0].extensions).toMatchObject({ reason: 'IDEMPOTENCY_KEY_IN_PROGRESS', field: 'idempotencyKey' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
      expect(await deposits()).toBe(before);
      // The first request failed: its key went with it, and the retry goes through.
      await holder.query('rollback');
      const after = await save(44, key);
      expect(after.errors).toBeUndefined();
      expect(await deposits()).toBe(before + 1);
    } finally {
      await holder.end();
    }
  });

  test('a write that fails keeps no key: retried with the same key and corrected input, it goes through', async () => {
    const key = newKey();
    const [outsider] = await sql('mepma', `select worker_id from cig_membership where cig_id <> ? and left_on is null order by id limit 1`, [saver.cigId]);
    const before = await deposits();
    const failed = await stack.query(SAVE, { input: { ...saver, workerId: outsider.worker_id, amount: 80, depositedOn }, key });
    expect(errorCodes(failed)).toEqual(['NOT_FOUND']);
    expect(await storedKey(key)).toBeUndefined();
    const corrected = await save(80, key);
    expect(corrected.errors).toBeUndefined();
    expect(await deposits()).toBe(before + 1);
  });

  test.each([
    ['too short', 'abc1234'],
    ['too long', 'k'.repeat(101)],
    ['a space', 'tablet 0042 17'],
    ['a slash', 'tablet/0042/17'],
    ['empty', ''],
  ])('a key %s is BAD_USER_INPUT, naming idempotencyKey, and writes nothing', async (_, key) => {
    const before = await deposits();
    const res = await save(10, key);
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0].extensions!.field).toBe('idempotencyKey');
    expect(await deposits()).toBe(before);
    expect(await count('mepma', 'idempotency_key', 'key = ?', [key])).toBe(0);
  });

  test('keys of 8 and of 100 characters, with every allowed sign, are accepted', async () => {
    for (const key of ['Ab9_-:.x', `${'a1B2-_:.'.repeat(12)}wxyz`]) {
      const res = await save(11, key);
      expect(res.errors).toBeUndefined();
    }
  });
});

describe('the key and the write commit together', () => {
  /** recordSavings as the runner wraps it, on MEPMA's runtime connection, with a resolver of the test's own. */
  function wrapped(resolve: (tx: EntityManager) => Promise<unknown>) {
    const caller: Caller = { agency: 'mepma', subject: 'atomic-tester', role: 'officer', jurisdiction: 'national', scopes: ['read', 'write'], purpose: 'service-delivery' };
    const writer = { actor: 'mepma:atomic-tester', purpose: caller.purpose };
    const resolvers = idempotentMutations(
      { Mutation: { recordSavings: (_: unknown, __: unknown, context: { em: EntityManager }) => writeInTransaction(context.em, writer, resolve) } },
      { within: (context: { caller: Caller; em: EntityManager }, tx) => ({ ...context, em: tx }) },
    );
    const em = stack.subgraphs.get('mepma')!.database.orm.em.fork() as EntityManager;
    const recordSavings = resolvers.Mutation.recordSavings as unknown as GraphQLFieldResolver<unknown, unknown>;
    return (key: string) => recordSavings(undefined, { idempotencyKey: key }, { caller, em }, { fieldName: 'recordSavings' } as GraphQLResolveInfo);
  }

  const copyDeposit = (tx: EntityManager, id: string) =>
    tx.execute(
      `insert into savings_deposit (id, cig_id, membership_id, worker_id, amount, deposited_on, source_system, recorded_by)
       select ?, cig_id, membership_id, worker_id, amount, deposited_on, source_system, recorded_by from savings_deposit order by id limit 1`,
      [id],
    );

  test('an answer that cannot be stored with the key undoes the write: neither the deposit nor the key is kept', async () => {
    const key = newKey();
    const send = wrapped(async (tx) => {
      await copyDeposit(tx, 'SD-ATOMIC-1');
      return new Map();
    });
    await expect(send(key)).rejects.toThrow(/entities and plain data only/);
    expect(await count('mepma', 'savings_deposit', 'id = ?', ['SD-ATOMIC-1'])).toBe(0);
    expect(await storedKey(key, 'mepma:atomic-tester')).toBeUndefined();
  });

  test('a write that commits keeps its key, and the key answers a retry without running the resolver again', async () => {
    const key = newKey();
    let runs = 0;
    const send = wrapped(async (tx) => {
      runs += 1;
      await copyDeposit(tx, `SD-ATOMIC-${runs + 1}`);
      return { written: `SD-ATOMIC-${runs + 1}`, at: new Date('2026-01-02T03:04:05.678Z'), items: [1, 'two', null] };
    });
    const first = await send(key);
    expect(await send(key)).toEqual(first);
    expect(first).toEqual({ written: 'SD-ATOMIC-2', at: new Date('2026-01-02T03:04:05.678Z'), items: [1, 'two', null] });
    expect(runs).toBe(1);
    expect(await count('mepma', 'savings_deposit', 'id = ?', ['SD-ATOMIC-2'])).toBe(1);
    expect(await storedKey(key, 'mepma:atomic-tester')).toBeDefined();
  });
});

describe('expired keys', () => {
  test('a key past its time is taken afresh: the same key with another amount writes a new deposit', async () => {
    const key = newKey();
    const first = await save(140, key);
    expect(first.errors).toBeUndefined();
    await asOwner(stack, 'mepma', `update idempotency_key set expires_at = now() - interval '1 minute' where caller = $1 and key = $2`, [CALLER, key]);
    const before = await deposits();
    const again = await save(160, key);
    expect(again.errors).toBeUndefined();
    expect(again.data.recordSavings.id).not.toBe(first.data.recordSavings.id);
    expect(await deposits()).toBe(before + 1);
    expect((await storedKey(key)).result).toEqual({ entity: 'SavingsDeposit', id: again.data.recordSavings.id });
    // And is kept for its full time again.
    expect(new Date((await storedKey(key)).expires_at).getTime()).toBeGreaterThan(Date.now() + 23 * 3_600_000);
  });

  test('are purged (by the runtime role, as the service does every minute); keys in force stay', async () => {
    const [old1, old2, current] = [newKey(), newKey(), newKey()];
    for (const [key, amount] of [[old1, 21], [old2, 22], [current, 23]] as const) expect((await save(amount, key)).errors).toBeUndefined();
    await asOwner(stack, 'mepma', `update idempotency_key set expires_at = now() - interval '1 hour' where caller = $1 and key in ($2, $3)`, [CALLER, old1, old2]);
    const purged = await purgeExpiredIdempotencyKeys(stack.subgraphs.get('mepma')!.database.orm.em.fork() as any);
    expect(purged).toBeGreaterThanOrEqual(2);
    expect(await storedKey(old1)).toBeUndefined();
    expect(await storedKey(old2)).toBeUndefined();
    expect(await storedKey(current)).toBeDefined();
    expect(await count('mepma', 'idempotency_key', 'expires_at < now()')).toBe(0);
  });
});

describe("every agency's mutations take a key", () => {
  let registered = 0;
  const LABOUR: CallerSpec = { agency: 'labour' };

  function newWorker() {
    registered += 1;
    return {
      name: 'Kotha Lakshmi',
      gender: 'FEMALE',
      dateOfBirth: '1991-03-09',
      phone: `+91 64000 ${String(51000 + registered)}`,
      idReferenceToken: `ADV-IDEM-${String(registered).padStart(4, '0')}`,
      idLast4: '1357',
      occupation: 'STREET_VENDOR',
      city: 'VJA',
      ward: 'VJA-W05',
    };
  }

  const REGISTER = `mutation($input: RegisterWorkerInput!, $key: ID) { registerWorker(input: $input, idempotencyKey: $key) { id name phone source { recordedBy } } }`;

  /** Sends `query` twice with one key: both answers must be the same, with no error. */
  async function twice(query: string, variables: Record<string, unknown>, caller?: CallerSpec): Promise<any> {
    const key = newKey();
    const first = await stack.query(query, { ...variables, key }, caller);
    expect(first.errors).toBeUndefined();
    const second = await stack.query(query, { ...variables, key }, caller);
    expect(second).toEqual(first);
    return first.data;
  }

  async function registerWorker(): Promise<string> {
    const res = await stack.query(REGISTER, { input: newWorker() }, LABOUR);
    expect(res.errors).toBeUndefined();
    return res.data.registerWorker.id;
  }

  test('labour: registerWorker twice registers one worker (without a key the second would be a duplicate)', async () => {
    const before = await count('labour', 'worker');
    const data = await twice(REGISTER, { input: newWorker() }, LABOUR);
    expect(data.registerWorker.source.recordedBy).toBe('labour:idempotency-tester');
    expect(await count('labour', 'worker')).toBe(before + 1);
  });

  test('labour: updateWorker twice changes the worker once', async () => {
    const id = await registerWorker();
    const before = await count('labour', 'record_change', 'record_key = ?', [`worker:${id}`]);
    await twice(`mutation($id: ID!, $input: UpdateWorkerInput!, $key: ID) { updateWorker(id: $id, input: $input, idempotencyKey: $key) { id name } }`, { id, input: { name: 'Kotha Lakshmi Devi' } }, LABOUR);
    expect(await count('labour', 'record_change', 'record_key = ?', [`worker:${id}`])).toBe(before + 1);
  });

  test('icds: exitIcdsEnrolment twice exits once (without a key the second would be CONFLICT)', async () => {
    const [row] = await sql('icds', `select id from icds_enrolment where status = 'ACTIVE' and enrolled_on <= current_date order by id limit 1`);
    const data = await twice(
      `mutation($id: ID!, $exitedOn: Date!, $key: ID) { exitIcdsEnrolment(id: $id, exitedOn: $exitedOn, idempotencyKey: $key) { id status exitedOn } }`,
      { id: row.id, exitedOn: today() },
      { agency: 'icds' },
    );
    expect(data.exitIcdsEnrolment).toEqual({ id: row.id, status: 'EXITED', exitedOn: today() });
    expect(await count('icds', 'record_change', `record_key = ? and action = 'UPDATED'`, [`icds_enrolment:${row.id}`])).toBe(1);
  });

  test('transport: issueDrivingLicence twice issues one licence', async () => {
    const workerId = await registerWorker();
    const issuedOn = addDays(today(), -10);
    const data = await twice(
      `mutation($input: IssueDrivingLicenceInput!, $key: ID) { issueDrivingLicence(input: $input, idempotencyKey: $key) { licenceNumber holder { id } } }`,
      { input: { workerId, vehicleClasses: ['THREE_WHEELER_TR', 'LMV'], issuedOn, validUntil: addYears(issuedOn, 5), issuingRto: 'AP16' } },
      { agency: 'transport' },
    );
    expect(data.issueDrivingLicence.holder).toEqual({ id: workerId });
    expect(await count('transport', 'driving_licence', 'worker_id = ?', [workerId])).toBe(1);
  });

  test('municipal: issueTradeLicence twice issues one licence (without a key the second would be a second licence)', async () => {
    const workerId = await registerWorker();
    const issuedOn = addDays(today(), -10);
    const data = await twice(
      `mutation($input: IssueTradeLicenceInput!, $key: ID) { issueTradeLicence(input: $input, idempotencyKey: $key) { licenceNumber worker { id } } }`,
      { input: { workerId, tradeName: 'Sri Lakshmi Tiffins', tradeCategory: 'FOOD_AND_BEVERAGES', ward: 'VJA-W05', issuedOn, validUntil: addYears(issuedOn, 1) } },
      { agency: 'municipal' },
    );
    expect(data.issueTradeLicence.worker).toEqual({ id: workerId });
    expect(await count('municipal', 'trade_licence', 'worker_id = ?', [workerId])).toBe(1);
  });

  test('mepma: formCig twice forms one group', async () => {
    const [first, second] = [await registerWorker(), await registerWorker()];
    const before = await count('mepma', 'cig');
    const data = await twice(
      `mutation($input: FormCigInput!, $key: ID) { formCig(input: $input, idempotencyKey: $key) { id memberCount members { worker { id } } } }`,
      {
        input: {
          name: 'Benz Circle Vendors CIG', occupation: 'STREET_VENDOR', workLocation: 'Benz Circle Vending Zone', workLocationKind: 'VENDING_ZONE',
          city: 'VJA', ward: 'VJA-W05', formedOn: today(), members: [{ workerId: first, role: 'PRESIDENT' }, { workerId: second, role: 'MEMBER' }],
        },
      },
    );
    expect(data.formCig.memberCount).toBe(2);
    expect(await count('mepma', 'cig')).toBe(before + 1);
    expect(await count('mepma', 'cig_membership', 'worker_id in (?, ?)', [first, second])).toBe(2);
  });
});
