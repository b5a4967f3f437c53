/**
 * A sixth agency joins a running hub, end to end, the way an agency with its own system would:
 * it runs its subgraph elsewhere, registers it by URL and schema file, the check passes, the
 * running gateway picks up the new supergraph without a restart, and its fields appear on
 * `Worker` with access and audit applied. A conflicting schema and a broken supergraph are
 * refused while the old one keeps serving. No file of the five agencies changes.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { gql } from 'graphql-tag';
import { coversCity, type Caller } from '../src/shared/access/caller';
import { MemoryReplayGuard } from '../src/shared/access/replay';
import type { RunningHttpServer } from '../src/shared/http-server';
import { serveFederatedSubgraph } from '../src/shared/subgraph';
import { readSupergraphConfig, schemaSha256, SUPERGRAPH_CONFIG, SUPERGRAPH_FILE } from '../src/shared/supergraph';
import { errorCodes, startTestStack, type TestStack } from './support/stack';

const root = path.resolve(__dirname, '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'wg-onboarding-'));
const registry = path.join(dir, 'supergraph.yaml');
const supergraph = path.join(dir, 'supergraph.graphql');
let stack: TestStack;
let skills: RunningHttpServer;
let vjaWorker: string;

// The Skill Development department's contract, as its own team would write it.
const SKILLS_SDL = (extraField = '') => `
extend schema
  @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@composeDirective"])
  @link(url: "https://workergraph.in/access/v1.0", import: ["@access"])
  @composeDirective(name: "@access")

directive @access(allow: [String!]!, mask: String) on FIELD_DEFINITION

type Worker @key(fields: "id") {
  id: ID!
  "Skill certificates (PMKVY) the worker holds, in the caller's jurisdiction."
  skillCertificates: [SkillCertificate!]!
}

type SkillCertificate @key(fields: "id") {
  id: ID!
  trade: String!
  "Certificate number: in full for the Skills department only."
  certificateNumber: String! @access(allow: ["skills:officer", "skills:service"], mask: "last4")
  source: Source!${extraField}
}

type Source @shareable {
  agency: String!
  system: String!
  recordId: ID!
  recordedAt: DateTime!
  recordedBy: String!
  updatedAt: DateTime!
  updatedBy: String
}

scalar DateTime
`;

interface Certificate { id: string; workerId: string; city: string; trade: string; certificateNumber: string; level: number }
let certificates: Certificate[] = [];

function startSkillsSubgraph(): Promise<RunningHttpServer> {
  const recorded = new Date('2025-06-01T10:00:00+05:30');
  return serveFederatedSubgraph<{ caller: Caller; disclosed: Set<string> }>({
    name: 'skills',
    typeDefs: gql(SKILLS_SDL('\n  level: Int!')),
    resolvers: {
      Worker: {
        __resolveReference: (reference: { id: string }) => reference,
        skillCertificates: (worker: { id: string }, _: unknown, { caller }: { caller: Caller }) =>
          certificates.filter((c) => c.workerId === worker.id && coversCity(caller, c.city)),
      },
      SkillCertificate: {
        source: (c: Certificate) => ({ agency: 'skills', system: 'Skill India Digital', recordId: c.id, recordedAt: recorded, recordedBy: 'skills:import', updatedAt: recorded, updatedBy: null }),
      },
      DateTime: { serialize: (value: Date) => value.toISOString() } as never,
    },
    // The new agency trusts the hub's gateway, and spends each seal once.
    seals: { member: 'skills', trust: stack.seals.get('gateway')!.trust, replay: new MemoryReplayGuard() },
    listen: { port: 0, host: '127.0.0.1' },
    context: (caller) => ({ caller, disclosed: new Set() }),
  });
}

/** A copy of the registry the test may change, its schema paths made absolute. */
function copyRegistry() {
  const parsed = YAML.parse(readFileSync(SUPERGRAPH_CONFIG, 'utf8'));
  for (const entry of readSupergraphConfig()) parsed.subgraphs[entry.name].schema.file = entry.schemaFile;
  writeFileSync(registry, YAML.stringify(parsed));
  writeFileSync(supergraph, readFileSync(SUPERGRAPH_FILE, 'utf8'));
}

async function register(schemaSdl: string, change: string) {
  const file = path.join(dir, `candidate-${Date.now()}.graphql`);
  writeFileSync(file, schemaSdl);
  const args = ['--import', 'tsx', 'scripts/agency-register.ts', 'skills', '--url', skills.url, '--schema', file, '--change', change,
    '--title', 'Skill Development Department', '--owner', 'Skill Development & Training Department, AP', '--contact', 'skills-it@ap.example.gov.in', '--registry', registry];
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, { cwd: root });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout + failed.stderr };
  }
}

const SKILLS_QUERY = `query($id: ID!) { worker(id: $id) { name skillCertificates { id trade certificateNumber source { agency } } } }`;

/** Asks until the running gateway serves the new supergraph (it reloads on its own). */
async function eventually<T>(ask: () => Promise<T>, ready: (value: T) => boolean, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await ask();
    if (ready(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  copyRegistry();
  stack = await startTestStack('onboarding', { supergraphFile: supergraph });
  const labour = stack.subgraphs.get('labour')!.database.orm.em.getConnection();
  [{ id: vjaWorker }] = await labour.execute(`select id from worker where city_code = 'VJA' order by id limit 1`);
  certificates = [
    { id: 'SKC-0001', workerId: vjaWorker, city: 'VJA', trade: 'Electrician', certificateNumber: 'PMKVY-2025-778812', level: 3 },
    { id: 'SKC-0002', workerId: vjaWorker, city: 'GVMC', trade: 'Plumber', certificateNumber: 'PMKVY-2024-119034', level: 2 },
  ];
  skills = await startSkillsSubgraph();
});
afterAll(async () => {
  await skills?.stop();
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a sixth agency registers by URL and schema file, and the running gateway serves its fields on Worker', async () => {
  const before = await stack.query(SKILLS_QUERY, { id: vjaWorker });
  expect(errorCodes(before)).toEqual(['GRAPHQL_VALIDATION_FAILED']);

  const { code, out } = await register(SKILLS_SDL(), 'Skill certificates on Worker');
  expect(out).toMatch(/Registered skills \(external\)/);
  expect(code).toBe(0);

  const res = await eventually(() => stack.query(SKILLS_QUERY, { id: vjaWorker }, { agency: 'skills' }), (r) => !r.errors);
  expect(res.errors).toBeUndefined();
  expect(res.data.worker.skillCertificates).toEqual([
    { id: 'SKC-0001', trade: 'Electrician', certificateNumber: 'PMKVY-2025-778812', source: { agency: 'skills' } },
    { id: 'SKC-0002', trade: 'Plumber', certificateNumber: 'PMKVY-2024-119034', source: { agency: 'skills' } },
  ]);

  // The registry records the agency, its people, and the registered contract.
  const entry = readSupergraphConfig(registry).find((e) => e.name === 'skills')!;
  expect(entry).toMatchObject({ servedBy: 'external', url: skills.url, owner: 'Skill Development & Training Department, AP', contact: 'skills-it@ap.example.gov.in' });
  expect(entry.schemaFile).toBe(path.join(dir, 'agencies', 'skills.graphql'));
  expect(entry.history).toEqual([{ date: expect.any(String), sha256: schemaSha256(entry.schemaFile), change: 'Skill certificates on Worker' }]);
});

test('the new agency\'s fields obey access policies, jurisdiction and the audit log', async () => {
  const masked = await stack.query(SKILLS_QUERY, { id: vjaWorker }, { agency: 'mepma', jurisdiction: 'city:VJA' });
  expect(masked.errors).toBeUndefined();
  // Masked for another agency, and only the certificate recorded in the caller's city.
  expect(masked.data.worker.skillCertificates).toEqual([{ id: 'SKC-0001', trade: 'Electrician', certificateNumber: '*************8812', source: { agency: 'skills' } }]);

  const entry = (await stack.audit.log.fork().getConnection().execute('select * from access_log order by seq desc limit 1'))[0];
  expect(entry.subgraphs).toEqual(['labour', 'skills']);
  expect(entry.worker_ids).toEqual([vjaWorker]);
  expect(entry.caller_agency).toBe('mepma');

  const outside = await stack.query(SKILLS_QUERY, { id: vjaWorker }, { agency: 'skills', jurisdiction: 'city:GVMC' });
  expect(errorCodes(outside)).toEqual(['NOT_FOUND']);
});

test('a schema that takes a field another agency owns is refused with the reason, and nothing changes', async () => {
  const registryBefore = readFileSync(registry, 'utf8');
  const supergraphBefore = readFileSync(supergraph, 'utf8');
  const conflicting = SKILLS_SDL().replace('  id: ID!\n  "Skill certificates', '  id: ID!\n  name: String!\n  "Skill certificates');
  const { code, out } = await register(conflicting, 'Worker names too');
  expect(code).not.toBe(0);
  expect(out).toMatch(/Worker\.name/);
  expect(out).toMatch(/labour/);
  expect(readFileSync(registry, 'utf8')).toBe(registryBefore);
  expect(readFileSync(supergraph, 'utf8')).toBe(supergraphBefore);
});

test('a new version that removes a field is a breaking change, refused with the field named', async () => {
  const withoutTrade = SKILLS_SDL().replace('  trade: String!\n', '');
  const { code, out } = await register(withoutTrade, 'Drop trade');
  expect(code).not.toBe(0);
  expect(out).toMatch(/Field 'trade' was removed from object type 'SkillCertificate'/);
});

test('an additive version is served live while a long request started before it finishes on the old plan', async () => {
  const roster = stack.query(`{ workers(first: 100) { edges { node { id name skillCertificates { id } cigMemberships { role } } } } }`, {}, { agency: 'skills' });
  const { code } = await register(SKILLS_SDL('\n  "NSQF level, 1–8."\n  level: Int!'), 'NSQF level of each certificate');
  expect(code).toBe(0);
  const finished = await roster;
  expect(finished.errors).toBeUndefined();
  expect(finished.data.workers.edges).toHaveLength(100);

  const res = await eventually(
    () => stack.query(`query($id: ID!) { worker(id: $id) { skillCertificates { level } } }`, { id: vjaWorker }, { agency: 'skills' }),
    (r) => !r.errors,
  );
  expect(res.data.worker.skillCertificates.map((c: { level: number }) => c.level)).toEqual([3, 2]);
  expect(readSupergraphConfig(registry).find((e) => e.name === 'skills')!.history).toHaveLength(2);
});

test('a supergraph that does not load is refused with a log line, and the previous one keeps serving', async () => {
  const logged = jest.spyOn(console, 'error').mockImplementation(() => {});
  try {
    const good = readFileSync(supergraph, 'utf8');
    // A half-written file, as a copy interrupted part-way would leave it.
    writeFileSync(supergraph, good.slice(0, Math.floor(good.length / 2)));
    await eventually(async () => logged.mock.calls.length, (n) => n > 0, 5_000);
    expect(String(logged.mock.calls[0]![0])).toMatch(/refused the new supergraph in .*supergraph\.graphql: .*Still serving/);
    const res = await stack.query(SKILLS_QUERY, { id: vjaWorker }, { agency: 'skills' });
    expect(res.errors).toBeUndefined();
    expect(res.data.worker.skillCertificates).toHaveLength(2);
  } finally {
    logged.mockRestore();
  }
});

test('no file of the five agencies was changed on the way', async () => {
  const { stdout } = await promisify(execFile)('git', ['status', '--porcelain', '--', 'subgraphs', 'schema'], { cwd: root });
  expect(stdout).toBe('');
  expect(existsSync(path.join(root, 'schema', 'agencies', 'skills.graphql'))).toBe(false);
});
