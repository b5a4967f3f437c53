/**
 * The conformance kit (`npm run agency:verify`): every agency of the hub passes every check, and a
 * subgraph written without Worker Graph's rules (no seal check, no @access, a record without
 * `source`) fails the seal, access and source checks, each with the reason a person needs.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { gql } from 'graphql-tag';
import { exportJWK } from 'jose';
import { parse, type ObjectTypeDefinitionNode } from 'graphql';
import { batchRepresentations, CHECKS, formatReport, registryEntryFor, sensitiveReason, verifyAgency, type ConformanceReport } from '../src/tools/conformance';
import { repoRoot } from '../src/shared/config';
import { startTestStack, type TestStack } from './support/stack';

const run = promisify(execFile);

let stack: TestStack;
let bad: { url: string; stop(): Promise<void> };

/** A subgraph as a newcomer might first write it: Federation 2, but none of Worker Graph's rules. */
const BAD_SDL = gql`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

  type Query {
    skillCertificate(id: ID!): SkillCertificate
  }

  type Mutation {
    issueSkillCertificate(workerId: ID!, skill: String!): SkillCertificate
  }

  type Worker @key(fields: "id") {
    id: ID!
    "The worker's mobile number."
    phone: String!
    skillCertificates: [SkillCertificate!]!
  }

  type SkillCertificate @key(fields: "id") {
    id: ID!
    skill: String!
    worker: Worker!
  }
`;

async function startBadSubgraph() {
  const certificate = (id: string, workerId: string) => ({ id, skill: 'Masonry', workerId });
  const schema = buildSubgraphSchema([
    {
      typeDefs: BAD_SDL,
      resolvers: {
        Query: { skillCertificate: (_: unknown, { id }: { id: string }) => certificate(id, 'W-0000001') },
        Mutation: { issueSkillCertificate: (_: unknown, { workerId }: { workerId: string }) => certificate('SC-1', workerId) },
        Worker: {
          __resolveReference: (ref: { id: string }) => ({ id: ref.id, phone: '9876543210' }),
          skillCertificates: (worker: { id: string }) => [certificate(`SC-${worker.id}`, worker.id)],
        },
        SkillCertificate: {
          __resolveReference: (ref: { id: string }) => certificate(ref.id, 'W-0000001'),
          worker: (c: { workerId: string }) => ({ id: c.workerId }),
        },
      } as any,
    },
  ]);
  const server = new ApolloServer({ schema, plugins: [ApolloServerPluginInlineTraceDisabled()] });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, stop: () => server.stop() };
}

function check(report: ConformanceReport, name: (typeof CHECKS)[number]) {
  return report.checks.find((c) => c.name === name)!;
}

beforeAll(async () => {
  [stack, bad] = await Promise.all([startTestStack('verify'), startBadSubgraph()]);
}, 180_000);

afterAll(async () => {
  await bad?.stop();
  await stack?.stop();
});

describe('every agency of the hub conforms', () => {
  for (const agency of ['labour', 'icds', 'transport', 'municipal', 'mepma']) {
    test(`${agency} passes every check`, async () => {
      const report = await verifyAgency({
        url: stack.subgraphs.get(agency)!.server.url,
        agency,
        signer: stack.seals.get('gateway')!.signer(),
        labourUrl: stack.subgraphs.get('labour')!.server.url,
      });
      expect(report.checks.map((c) => c.name)).toEqual([...CHECKS]);
      expect(report.checks.filter((c) => !c.ok)).toEqual([]);
      expect(report.ok).toBe(true);
      expect(check(report, 'entities').detail).toMatch(/25 representations \(ids from Labour, 4 repeated, 1 unknown\): 25 entries in order/);
      expect(check(report, 'source').detail).toMatch(new RegExp(`; [1-9]\\d* record\\(s\\) of .* name "${agency}"`));
      expect(check(report, 'timeout').detail).toMatch(/slowest \d+ ms/);
    });
  }

  test("records name their agency: Labour's workers and their enrolments, MEPMA's memberships", async () => {
    const labour = await verifyAgency({ url: stack.subgraphs.get('labour')!.server.url, agency: 'labour', signer: stack.seals.get('gateway')!.signer() });
    expect(check(labour, 'source').detail).toMatch(/[1-9]\d* record\(s\) of Worker, Worker.socialSecurityEnrolments name "labour"/);
    const mepma = await verifyAgency({ url: stack.subgraphs.get('mepma')!.server.url, agency: 'mepma', signer: stack.seals.get('gateway')!.signer() });
    expect(check(mepma, 'source').detail).toMatch(/record\(s\) of Worker.cigMemberships(, Worker\.\w+)* name "mepma"/);
  });

  test('a seal for the wrong agency name is refused, and the report says why', async () => {
    // Asking Transport while naming it ICDS: its seals are for "icds", so Transport refuses them.
    const report = await verifyAgency({ url: stack.subgraphs.get('transport')!.server.url, agency: 'icds', signer: stack.seals.get('gateway')!.signer() });
    expect(check(report, 'service').ok).toBe(false);
    expect(check(report, 'service').detail).toMatch(/refused the seal; is --name its registered name/);
  });
});

describe('a subgraph that ignores the rules', () => {
  let report: ConformanceReport;
  beforeAll(async () => {
    report = await verifyAgency({ url: bad.url, agency: 'skills', signer: stack.seals.get('gateway')!.signer() });
  });

  test('fails the seal check: it answers unsealed and forged calls with data', () => {
    const seal = check(report, 'seal');
    expect(seal.ok).toBe(false);
    expect(seal.detail).toMatch(/an unsealed call was answered with data/);
    expect(seal.detail).toMatch(/a call sealed with a key the agency does not trust was answered with data/);
    expect(seal.detail).toMatch(/a seal sent a second time was answered with data/);
    expect(seal.warnings.join()).toMatch(/\/health answered HTTP \d+/);
  });

  test('fails the access check: no @access at all, an open phone number and an open mutation', () => {
    const access = check(report, 'access');
    expect(access.ok).toBe(false);
    expect(access.detail).toMatch(/@access is neither defined .* nor imported/);
    expect(access.detail).toMatch(/sensitive fields without @access: Worker\.phone \(contact details\)/);
    expect(access.detail).toMatch(/mutations without @access: Mutation\.issueSkillCertificate/);
    expect(access.detail).toMatch(/mutations without an optional `idempotencyKey: ID` argument .*: Mutation\.issueSkillCertificate/);
  });

  test('fails the source check: a keyed record type without source', () => {
    const source = check(report, 'source');
    expect(source.ok).toBe(false);
    expect(source.detail).toMatch(/keyed types without `source: Source!`: SkillCertificate/);
  });

  test('passes what it does do: a Federation 2 SDL, batched _entities in order, in time', () => {
    expect(check(report, 'service')).toMatchObject({ ok: true });
    expect(check(report, 'entities')).toMatchObject({ ok: true });
    expect(check(report, 'timeout')).toMatchObject({ ok: true });
    expect(report.ok).toBe(false);
    const lines = formatReport(report);
    expect(lines.filter((l) => /^(PASS|FAIL) /.test(l))).toHaveLength(CHECKS.length);
    expect(lines.at(-1)).toBe('3 of 6 checks passed: skills does not conform yet.');
  });
});

test('a subgraph that does not answer in time fails the timeout check, naming the calls', async () => {
  const silent = http.createServer(() => {}); // never answers
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/graphql`;
    const report = await verifyAgency({ url, agency: 'slow', signer: stack.seals.get('gateway')!.signer(), timeoutMs: 200 });
    expect(report.checks.every((c) => !c.ok)).toBe(true);
    expect(check(report, 'timeout').detail).toMatch(/no answer within 200 ms to: the first use of a seal, an unsealed call, .*_service \{ sdl \}/);
    expect(check(report, 'service').detail).toMatch(/no answer within 200 ms/);
    expect(check(report, 'access').detail).toBe('no SDL to check (see the service check)');
  } finally {
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  }
});

describe('the heuristic and the batch', () => {
  const fieldsOf = (sdl: string) => (parse(sdl).definitions[0] as ObjectTypeDefinitionNode).fields!;
  test('sensitive personal data by name or description; names of places and groups are not', () => {
    const fields = fieldsOf(`type Worker {
      phone: String  mobileNumber: String  aadhaarNumber: String  eShramUan: String  homeAddress: String
      accountLast4: String  beneficiaryName: String  children: [String]  name: String
      "Sensitive: a diagnosis." notes: String  occupation: String  dateOfBirth: String  city: String
    }`);
    const reasons = Object.fromEntries(fields.map((f) => [f.name.value, sensitiveReason('Worker', f) ?? null]));
    expect(reasons).toEqual({
      phone: 'contact details',
      mobileNumber: 'contact details',
      aadhaarNumber: 'an identity number',
      eShramUan: 'an identity number',
      homeAddress: 'contact details',
      accountLast4: 'a financial account',
      beneficiaryName: 'a household member',
      children: 'a household member',
      name: "a person's name",
      notes: 'described as sensitive',
      occupation: null,
      dateOfBirth: null, // a quasi-identifier: a warning, not a failure
      city: null,
    });
    expect(sensitiveReason('Cig', fieldsOf('type Cig { name: String }')[0]!)).toBeUndefined();
  });

  test('25 representations: 20 ids, 4 repeated, 1 unknown', () => {
    const ids = Array.from({ length: 20 }, (_, i) => `W-${String(i + 1).padStart(7, '0')}`);
    const batch = batchRepresentations(ids);
    expect(batch).toHaveLength(25);
    expect(new Set(batch).size).toBe(21);
    expect(batch.filter((id) => id === 'W-9999999')).toHaveLength(1);
  });

  test('the registry names the agency at a routing URL', () => {
    expect(registryEntryFor('http://127.0.0.1:4005/graphql')?.name).toBe('mepma');
    expect(registryEntryFor('http://localhost:4999/graphql')).toBeUndefined();
  });
});

describe('npm run agency:verify', () => {
  const script = path.join(repoRoot, 'scripts', 'agency-verify.ts');
  const keysDirs: string[] = [];
  const keysDir = () => keysDirs[keysDirs.push(mkdtempSync(path.join(os.tmpdir(), 'wg-verify-keys-'))) - 1];
  afterAll(() => keysDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const verify = async (args: string[], env: Record<string, string> = {}) => {
    try {
      const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', script, ...args], {
        cwd: repoRoot,
        env: { ...process.env, KEYS_DIR: keysDir(), ...env },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  test('exits 1 on the non-conforming subgraph, with a FAIL line and reason per failed check', async () => {
    const { code, stdout } = await verify(['--url', bad.url, '--name', 'skills', '--timeout-ms', '3000']);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^FAIL {2}seal +an unsealed call was answered with data/m);
    expect(stdout).toMatch(/^FAIL {2}access +.*Worker\.phone/m);
    expect(stdout).toMatch(/^FAIL {2}source +keyed types without `source: Source!`: SkillCertificate/m);
    expect(stdout).toMatch(/^PASS {2}entities /m);
  }, 60_000);

  test("exits 0 on Labour's subgraph when sealing with the gateway's key", async () => {
    const dir = keysDir();
    const keyFile = path.join(dir, 'gateway.private.jwk.json');
    const gateway = stack.seals.get('gateway')!.signer();
    writeFileSync(keyFile, JSON.stringify({ ...(await exportJWK(gateway.privateKey)), kid: gateway.kid, alg: 'EdDSA' }));
    const labour = stack.subgraphs.get('labour')!.server.url;
    const { code, stdout } = await verify(['--url', labour, '--name', 'labour', '--labour-url', labour], { MEMBER_KEY_FILE: keyFile });
    expect(stdout.split('\n').filter((l) => /^(PASS|FAIL) /.test(l)).map((l) => l.slice(0, 4))).toEqual(Array(6).fill('PASS'));
    expect(code).toBe(0);
  }, 60_000);

  test('exits 2 when the agency cannot be named', async () => {
    const { code, stderr } = await verify(['--url', 'http://127.0.0.1:4999/graphql']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--name is required/);
  });
});
