/**
 * The federated worker graph as a department sees it: one query across all five agencies, each
 * field from its owner; no N+1 however many workers are asked for; an agency that is down or
 * slow costs only its own fields.
 */
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { startGateway } from '../gateway/server';
import { configuredPurposes } from '../src/shared/access/purposes';
import { compose, readSupergraphConfig, SUPERGRAPH_FILE } from '../src/shared/supergraph';
import { countStatements, errorCodes, graphql, startTestStack, tableOf, type TestStack } from './support/stack';

let stack: TestStack;

beforeAll(async () => {
  // A national auditor may read every agency's fields, household data included.
  stack = await startTestStack('federation', { as: { agency: 'labour', role: 'auditor', scopes: ['read'], purpose: 'Audit' } });
});
afterAll(() => stack?.stop());

const WORKER_FIELDS = `
  id name occupation city { code name } ward { code name }
  socialSecurityEnrolments { scheme status source { agency } }
  icdsEnrolments { beneficiaryType beneficiaryName source { agency } }
  drivingLicences { licenceNumber validUntil source { agency } }
  badges { badgeNumber source { agency } }
  vehiclePermits { permitNumber autoStand { name } source { agency } }
  vendingCertificates { certificateNumber vendingZone { name } source { agency } }
  tradeLicences { licenceNumber source { agency } }
  cigMemberships { role joinedOn cig { id name occupation workLocation } source { agency } }`;

async function rows(agency: string, sql: string, params: unknown[] = []): Promise<any[]> {
  return stack.subgraphs.get(agency as never)!.database.orm.em.getConnection().execute(sql, params);
}

test('one worker query returns every agency\'s records, each from the agency that owns it', async () => {
  // A transport worker whose household also has anganwadi enrolments shows the most agencies at once.
  const [licensed] = await rows('transport', `select worker_id from driving_licence order by worker_id limit 1`);
  const id = licensed.worker_id;
  const res = await stack.query(`query($id: ID!) { worker(id: $id) { ${WORKER_FIELDS} } }`, { id });
  expect(res.errors).toBeUndefined();
  const worker = res.data.worker;

  const [identity] = await rows('labour', `select name, ward_code from worker where id = ?`, [id]);
  expect(worker.name).toBe(identity.name);
  const [ward] = await rows('municipal', `select name from ward where code = ?`, [identity.ward_code]);
  expect(worker.ward).toEqual({ code: identity.ward_code, name: ward.name });

  const licences = await rows('transport', `select licence_number from driving_licence where worker_id = ? order by licence_number`, [id]);
  expect(worker.drivingLicences.map((l: any) => l.licenceNumber).sort()).toEqual(licences.map((l) => l.licence_number));
  const memberships = await rows('mepma', `select cig_id from cig_membership where worker_id = ?`, [id]);
  expect(worker.cigMemberships.map((m: any) => m.cig.id).sort()).toEqual(memberships.map((m) => m.cig_id).sort());
  const schemes = await rows('labour', `select scheme from social_security_enrolment where worker_id = ?`, [id]);
  expect(worker.socialSecurityEnrolments.map((s: any) => s.scheme).sort()).toEqual(schemes.map((s) => s.scheme).sort());

  // Provenance names the owner of each record.
  const owners = (list: { source: { agency: string } }[]) => [...new Set(list.map((r) => r.source.agency))];
  expect(owners(worker.socialSecurityEnrolments)).toEqual(schemes.length ? ['labour'] : []);
  expect(owners(worker.drivingLicences)).toEqual(['transport']);
  expect(owners(worker.cigMemberships)).toEqual(['mepma']);
});

test('a household\'s anganwadi enrolments and a vendor\'s certificate come through the same query', async () => {
  const [household] = await rows('icds', `select worker_id, count(*)::int as n from icds_enrolment group by worker_id order by worker_id limit 1`);
  const [vendor] = await rows('municipal', `select worker_id, certificate_number from vending_certificate order by worker_id limit 1`);
  const res = await stack.query(
    `query($a: ID!, $b: ID!) { a: worker(id: $a) { ${WORKER_FIELDS} } b: worker(id: $b) { ${WORKER_FIELDS} } }`,
    { a: household.worker_id, b: vendor.worker_id },
  );
  expect(res.errors).toBeUndefined();
  expect(res.data.a.icdsEnrolments).toHaveLength(household.n);
  expect(res.data.b.vendingCertificates.map((c: any) => c.certificateNumber)).toContain(vendor.certificate_number);
});

test('a roster of 100 workers with every agency\'s fields costs at most one SQL statement per table per agency', async () => {
  const counts = await countStatements(stack, async () => {
    const res = await stack.query(`{ workers(first: 100) { edges { node { ${WORKER_FIELDS} } } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.workers.edges).toHaveLength(100);
  });
  for (const [agency, { statements }] of Object.entries(counts)) {
    const perTable = new Map<string, number>();
    for (const sql of statements) perTable.set(tableOf(sql), (perTable.get(tableOf(sql)) ?? 0) + 1);
    for (const [table, n] of perTable) {
      expect({ agency, table, statements: n }).toEqual({ agency, table, statements: 1 });
    }
  }
  const total = Object.values(counts).reduce((sum, c) => sum + c.total, 0);
  expect(total).toBeGreaterThanOrEqual(5);
});

test('a stopped agency costs only its own fields: partial data and an error naming it', async () => {
  const [licensed] = await rows('transport', `select worker_id from driving_licence limit 1`);
  // A second gateway over the same agencies, but with Transport's address pointing nowhere.
  const dead = await closedPortUrl();
  const gateway = await startGateway({
    supergraphFile: SUPERGRAPH_FILE,
    subgraphUrls: { ...urls(), transport: dead },
    timeoutMs: 2000,
    ...sameAccess(),
  });
  try {
    const res = await graphql(
      gateway.url,
      `query($id: ID!) { worker(id: $id) { name drivingLicences { licenceNumber } cigMemberships { role } } }`,
      { id: licensed.worker_id },
      await stack.headersFor(),
    );
    expect(res.status).toBe(200);
    expect(res.data.worker.name).toEqual(expect.any(String));
    expect(res.data.worker.cigMemberships).toEqual(expect.any(Array));
    expect(res.data.worker.drivingLicences).toBeNull();
    expect(errorCodes(res)).toEqual(['SUBGRAPH_UNAVAILABLE']);
    expect(res.errors![0].message).toMatch(/transport/);
    expect(res.errors![0].extensions).toMatchObject({ serviceName: 'transport' });
  } finally {
    await gateway.stop();
  }
});

test('a slow agency is cut off at its timeout and the rest of the answer still arrives', async () => {
  const { url, close } = await silentServer();
  const gateway = await startGateway({
    supergraphFile: SUPERGRAPH_FILE,
    subgraphUrls: { ...urls(), mepma: url },
    timeoutMs: 300,
    ...sameAccess(),
  });
  try {
    const started = Date.now();
    const res = await graphql(gateway.url, `{ worker(id: "W-0000001") { name cigMemberships { role } } }`, {}, await stack.headersFor());
    expect(Date.now() - started).toBeLessThan(5000);
    expect(res.data.worker.name).toEqual(expect.any(String));
    expect(res.data.worker.cigMemberships).toBeNull();
    expect(errorCodes(res)).toEqual(['SUBGRAPH_UNAVAILABLE']);
    expect(res.errors![0].message).toMatch(/mepma.*did not answer in time/);
  } finally {
    await gateway.stop();
    close();
  }
});

test('an agency rejecting bad input is not mistaken for an outage', async () => {
  const res = await stack.query(`query($d: Date) { findWorkers(idLast4: "1234", dateOfBirth: $d) { id } }`, { d: '2001-02-30' });
  expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
  expect(JSON.stringify(res)).not.toMatch(/stacktrace|node_modules/);
});

test('the committed supergraph is what the agencies\' schema files compose to', () => {
  const result = compose(readSupergraphConfig());
  expect('errors' in result ? result.errors : []).toEqual([]);
  expect(readFileSync(SUPERGRAPH_FILE, 'utf8')).toBe((result as { supergraphSdl: string }).supergraphSdl);
});

function urls(): Record<string, string> {
  return { ...Object.fromEntries([...stack.subgraphs].map(([name, { server }]) => [name, server.url])), audit: stack.audit.server.url };
}

/** A second gateway trusting the same keys and writing the same access log. */
function sameAccess() {
  return { port: 0, host: '127.0.0.1', keys: stack.keys, signer: stack.seals.get('gateway')!.signer, purposes: configuredPurposes(), audit: stack.audit.log };
}

/** A URL on which nothing listens. */
async function closedPortUrl(): Promise<string> {
  const { url, close } = await silentServer();
  close();
  return url;
}

/** A server that accepts connections and never answers: an agency that hangs. */
function silentServer(): Promise<{ url: string; close: () => void }> {
  return new Promise((resolve) => {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => sockets.add(socket));
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/graphql`,
        close: () => {
          for (const socket of sockets) socket.destroy();
          server.close();
        },
      });
    });
  });
}
