/**
 * `npm run agency:new` end to end, without touching this repository: its tracked sources are
 * copied to a temporary folder (node_modules linked), `urban-health` is scaffolded there, and
 * then the copy must type-check, keep the five agencies' files byte for byte, and run a hub of
 * six agencies whose gateway serves the new agency's fields with its access policies applied and
 * its calls in the access log. The test the scaffold wrote for the new agency runs in the copy too.
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { RunningStack } from '../src/hub/stack';
import type { TokenRequest } from '../src/shared/access/keys';
import { readSupergraphConfig, schemaSha256 } from '../src/shared/supergraph';

const run = promisify(execFile);
const repo = path.resolve(__dirname, '..');
const AGENCIES = ['labour', 'icds', 'transport', 'municipal', 'mepma'];
/**
 * What the copy holds: the sources a hub is built from, not its data, keys or packages. `client`
 * too: the gateway loads its trusted documents from client/generated/persisted-documents.json and
 * builds the dashboard's page from client/request.ts and client/generated/.
 */
const SOURCES = ['package.json', 'tsconfig.json', 'tsconfig.base.json', 'jest.config.js', 'codegen.ts', 'src', 'subgraphs', 'gateway', 'schema', 'scripts', 'client', 'test/support'];

let tmp: string;
let scaffoldOutput: string;

/** Runs scripts/agency-new.ts of this repository against the copy. */
function agencyNew(...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', path.join(repo, 'scripts', 'agency-new.ts'), ...args, '--root', tmp], { cwd: repo });
}

/** The repository's tracked sources (as the working tree has them), or every source file without git. */
function copySources(to: string): void {
  let files: string[] | undefined;
  try {
    files = execFileSync('git', ['ls-files', '-z', '--', ...SOURCES], { cwd: repo }).toString().split('\0').filter(Boolean);
  } catch {
    files = undefined;
  }
  if (files) {
    for (const file of files) {
      if (!existsSync(path.join(repo, file))) continue;
      mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
      copyFileSync(path.join(repo, file), path.join(to, file));
    }
  } else {
    for (const source of SOURCES) cpSync(path.join(repo, source), path.join(to, source), { recursive: true });
  }
  symlinkSync(path.join(repo, 'node_modules'), path.join(to, 'node_modules'), 'dir');
}

/** Every file under `dir`, relative to it, sorted. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => statSync(path.join(dir, file)).isFile())
    .sort();
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'wg-agency-new-'));
  copySources(tmp);
  const { stdout } = await agencyNew('urban-health', '--title', 'Urban Health Department', '--owner', 'Urban Health Department, Government of Andhra Pradesh', '--contact', 'uhd-it@ap.example.gov.in');
  scaffoldOutput = stdout;
}, 60_000);

afterAll(() => {
  if (!tmp) return;
  // The link first, so removing the copy can never reach the repository's packages.
  unlinkSync(path.join(tmp, 'node_modules'));
  rmSync(tmp, { recursive: true, force: true });
});

describe('scaffolding urban-health into a copy of the repository', () => {
  test('writes subgraphs/urban-health/ in the shape of the other agencies, and its test', () => {
    const folder = path.join(tmp, 'subgraphs', 'urban-health');
    const files = filesUnder(folder);
    expect(files.filter((file) => !file.startsWith('migrations/'))).toEqual(
      ['context.ts', 'entities.ts', 'generated/resolvers.ts', 'index.ts', 'loaders.ts', 'mappers.json', 'resolvers.ts', 'rules.ts', 'schema.graphql', 'seed.ts'],
    );
    expect(files.filter((file) => file.startsWith('migrations/'))).toEqual([
      expect.stringMatching(/^migrations\/Migration\d{14}_init\.ts$/),
      expect.stringMatching(/^migrations\/Migration\d{14}_history\.ts$/),
      'migrations/index.ts',
    ]);
    expect(existsSync(path.join(tmp, 'test', 'urban-health.test.ts'))).toBe(true);

    const schema = readFileSync(path.join(folder, 'schema.graphql'), 'utf8');
    // The same head as every agency's schema file, and the shared value types copied exactly.
    const icds = readFileSync(path.join(repo, 'subgraphs', 'icds', 'schema.graphql'), 'utf8');
    const head = (sdl: string) => sdl.slice(0, sdl.indexOf('@composeDirective(name: "@access")'));
    expect(head(schema)).toBe(head(icds));
    const from = (sdl: string, marker: string) => sdl.slice(sdl.indexOf(marker));
    expect(from(schema, '"""\nWhere an agency record came from')).toBe(from(icds, '"""\nWhere an agency record came from'));
    expect(schema).toContain('urbanHealthEnrolments: [UrbanHealthEnrolment!]');
    expect(schema).toContain('enrolInUrbanHealth(input: EnrolInUrbanHealthInput!, idempotencyKey: ID): UrbanHealthEnrolment! @access(allow: ["urban-health:officer", "urban-health:service"])');
    expect(schema).toMatch(/reference: String! @access\(allow: \["urban-health:officer", "urban-health:service"\], mask: "last4"\)/);
    expect(readFileSync(path.join(folder, 'index.ts'), 'utf8')).toContain(`name: 'urban-health',`);

    expect(scaffoldOutput).toContain('npm run schema:check -- urban-health subgraphs/urban-health/schema.graphql');
    expect(scaffoldOutput).toMatch(/npm test/);
    expect(scaffoldOutput).toMatch(/npm start/);
  });

  test('registers it in the copy: served by the hub on the next free port, with its first schema version', () => {
    const before = readSupergraphConfig(path.join(repo, 'schema', 'supergraph.yaml'));
    const after = readSupergraphConfig(path.join(tmp, 'schema', 'supergraph.yaml'));
    const relative = (entries: typeof before, root: string) => entries.map((entry) => ({ ...entry, schemaFile: path.relative(root, entry.schemaFile) }));
    // Every entry that was there is there unchanged, and the new one comes last.
    expect(relative(after, tmp).slice(0, -1)).toEqual(relative(before, repo));
    const hubPorts = before.filter((entry) => entry.servedBy === 'hub').map((entry) => Number(new URL(entry.url).port));
    const added = after.at(-1)!;
    expect(added).toEqual({
      name: 'urban-health',
      url: `http://localhost:${Math.max(...hubPorts) + 1}/graphql`,
      schemaFile: path.join(tmp, 'subgraphs', 'urban-health', 'schema.graphql'),
      servedBy: 'hub',
      title: 'Urban Health Department',
      owner: 'Urban Health Department, Government of Andhra Pradesh',
      contact: 'uhd-it@ap.example.gov.in',
      history: [{ date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), sha256: schemaSha256(added.schemaFile), change: 'Scaffolded by agency:new' }],
    });
    expect(before.map((entry) => new URL(entry.url).port)).not.toContain(new URL(added.url).port);

    const supergraph = readFileSync(path.join(tmp, 'schema', 'supergraph.graphql'), 'utf8');
    expect(supergraph).toContain(`URBAN_HEALTH @join__graph(name: "urban-health", url: "${added.url}")`);
    expect(supergraph).toMatch(/urbanHealthEnrolments: \[UrbanHealthEnrolment!\] @join__field\(graph: URBAN_HEALTH\)/);
  });

  test('changes no file of the five agencies, and nothing in this repository', () => {
    for (const agency of AGENCIES) {
      const ours = path.join(repo, 'subgraphs', agency);
      const theirs = path.join(tmp, 'subgraphs', agency);
      const files = filesUnder(ours);
      expect({ agency, files: filesUnder(theirs) }).toEqual({ agency, files });
      for (const file of files) {
        expect({ file: `${agency}/${file}`, same: readFileSync(path.join(theirs, file)).equals(readFileSync(path.join(ours, file))) }).toEqual({ file: `${agency}/${file}`, same: true });
      }
    }
    expect(readFileSync(path.join(tmp, 'subgraphs', 'index.ts'))).toEqual(readFileSync(path.join(repo, 'subgraphs', 'index.ts')));
    expect(existsSync(path.join(repo, 'subgraphs', 'urban-health'))).toBe(false);
    expect(readSupergraphConfig().map((entry) => entry.name)).not.toContain('urban-health');
  });

  test('refuses a name that exists, collides or is malformed, and changes nothing', async () => {
    const registry = readFileSync(path.join(tmp, 'schema', 'supergraph.yaml'));
    const cases: [string, RegExp][] = [
      ['urban-health', /urban-health is already registered/],
      ['icds', /icds is already registered/],
      // Labour already has socialSecurityEnrolments on Worker and a SocialSecurityEnrolment type.
      ['social-security', /would define .*socialsecurity.*which labour already defines/i],
      ['Urban_Health', /is not an agency name/],
      ['gateway', /is reserved/],
    ];
    await Promise.all(
      cases.map(async ([name, message]) => {
        const refused = await agencyNew(name).then(
          () => ({ code: 0, stderr: '' }),
          (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
        );
        expect({ name, code: refused.code }).toEqual({ name, code: 1 });
        expect(refused.stderr).toMatch(message);
      }),
    );
    expect(readFileSync(path.join(tmp, 'schema', 'supergraph.yaml')).equals(registry)).toBe(true);
    expect(existsSync(path.join(tmp, 'subgraphs', 'social-security'))).toBe(false);
    expect(existsSync(path.join(tmp, 'test', 'social-security.test.ts'))).toBe(false);
  }, 30_000);

  test('the copy, new agency and its test included, type-checks (strict, no unused names)', async () => {
    const tsc = require.resolve('typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', tmp, '--noEmit']).then(
      () => '',
      (error: { stdout: string }) => error.stdout,
    );
    expect(result).toBe('');
  }, 60_000);
});

describe("the copy's hub, six agencies, through its gateway", () => {
  let stack: RunningStack;
  let headersFor: (caller: Partial<TokenRequest>) => Promise<Record<string, string>>;
  let graphql: typeof import('./support/stack').graphql;

  const OFFICER: TokenRequest = { agency: 'urban-health', subject: 'uh.officer', role: 'officer', jurisdiction: 'state:AP', scopes: ['read', 'write'], purpose: 'Service delivery' };
  const ask = async (query: string, variables: Record<string, unknown>, caller: Partial<TokenRequest> = {}) =>
    graphql(stack.gatewayUrl, query, variables, await headersFor(caller));
  const sql = (query: string, params: unknown[] = []): Promise<any[]> =>
    stack.subgraphs.get('urban-health')!.database.orm.em.getConnection().execute(query, params);

  beforeAll(async () => {
    // Everything from the copy: its stack, its registry and supergraph, its keys and helpers.
    const { startStack } = require(path.join(tmp, 'src', 'hub', 'stack')) as typeof import('../src/hub/stack');
    const { generateAccessKeys } = require(path.join(tmp, 'src', 'shared', 'access', 'keys')) as typeof import('../src/shared/access/keys');
    const support = require(path.join(tmp, 'test', 'support', 'stack')) as typeof import('./support/stack');
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `${url.pathname.replace(/^\//, '') || 'wgtest'}_agencynew`;
    const keys = await generateAccessKeys();
    stack = await startStack({
      databaseUrl: url.toString(),
      fresh: true,
      gatewayPort: 0,
      subgraphPorts: () => 0,
      auditPort: 0,
      reportsPort: 0,
      keys,
      supergraphFile: path.join(tmp, 'schema', 'supergraph.graphql'),
      demo: { seed: 2024, workers: 200 },
    });
    headersFor = (caller) => support.authHeaders(keys, { ...OFFICER, ...caller });
    graphql = support.graphql;
  }, 60_000);
  afterAll(() => stack?.stop());

  test('runs the new agency from the registry beside the five', () => {
    expect([...stack.subgraphs.keys()].sort()).toEqual([...AGENCIES, 'urban-health'].sort());
  });

  test("a worker's urbanHealthEnrolments come with Labour's fields, and the access log names both agencies", async () => {
    const [{ worker_id: workerId }] = await sql(`select worker_id from urban_health_enrolment order by id limit 1`);
    const rows = await sql(`select id, programme, city_code, reference from urban_health_enrolment where worker_id = ? order by enrolled_on, id`, [workerId]);
    const res = await ask(
      `query Roster($id: ID!) { worker(id: $id) { id name urbanHealthEnrolments { id programme city { code } reference source { agency } } } }`,
      { id: workerId },
      { subject: 'uh.reader' },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.worker).toEqual({
      id: workerId,
      name: expect.any(String),
      urbanHealthEnrolments: rows.map((row) => ({ id: row.id, programme: row.programme, city: { code: row.city_code }, reference: row.reference, source: { agency: 'urban-health' } })),
    });
    expect(rows.length).toBeGreaterThan(0);

    const log = await accessLog({ callerSubject: 'uh.reader' });
    expect(log).toEqual([expect.objectContaining({ operationName: 'Roster', outcome: 'OK', workerIds: [workerId] })]);
    expect([...log[0].subgraphs].sort()).toEqual(['labour', 'urban-health']);
  });

  test('an urban-health officer enrols a worker; a mepma officer is FORBIDDEN; the log shows both', async () => {
    const enrolled = (await sql(`select distinct worker_id from urban_health_enrolment`)).map((row) => row.worker_id);
    const labour = stack.subgraphs.get('labour')!.database.orm.em.getConnection();
    const [worker] = await labour.execute(`select id, city_code from worker where id not in (?) order by id limit 1`, [enrolled]);
    const ENROL = `mutation Enrol($input: EnrolInUrbanHealthInput!) { enrolInUrbanHealth(input: $input) { id programme reference worker { id } source { recordedBy } } }`;
    const input = { workerId: worker.id, programme: 'Screening camp', city: worker.city_code, reference: 'UHD-2025-0042', enrolledOn: '2025-06-01' };

    const refused = await ask(ENROL, { input }, { agency: 'mepma', subject: 'mepma.officer' });
    expect(refused.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(await sql(`select id from urban_health_enrolment where worker_id = ?`, [worker.id])).toEqual([]);

    const res = await ask(ENROL, { input }, { subject: 'uh.writer' });
    expect(res.errors).toBeUndefined();
    expect(res.data.enrolInUrbanHealth).toEqual({
      id: expect.stringMatching(/^URBAN-HEALTH-\d{7}$/),
      programme: 'Screening camp',
      reference: 'UHD-2025-0042',
      worker: { id: worker.id },
      source: { recordedBy: 'urban-health:uh.writer' },
    });
    const [row] = await sql(`select * from urban_health_enrolment where id = ?`, [res.data.enrolInUrbanHealth.id]);
    expect(row).toMatchObject({ worker_id: worker.id, city_code: worker.city_code, reference: 'UHD-2025-0042', recorded_by: 'urban-health:uh.writer' });

    const written = await accessLog({ callerSubject: 'uh.writer', outcome: 'OK' });
    expect(written).toEqual([expect.objectContaining({ operationName: 'Enrol', operationType: 'mutation' })]);
    expect(written[0].subgraphs).toContain('urban-health');
    const denied = await accessLog({ callerSubject: 'mepma.officer' });
    expect(denied).toEqual([expect.objectContaining({ operationName: 'Enrol', outcome: 'DENIED', errorCodes: ['FORBIDDEN'] })]);
  });

  /** Access-log entries matching `filter`, read as a national auditor. */
  async function accessLog(filter: Record<string, unknown>): Promise<any[]> {
    const res = await ask(
      `query($filter: AccessLogFilter) { accessLog(filter: $filter, first: 50) { edges { node { operationName operationType outcome errorCodes workerIds subgraphs } } } }`,
      { filter },
      { agency: 'labour', subject: 'auditor', role: 'auditor', jurisdiction: 'national', scopes: ['read'], purpose: 'Audit' },
    );
    expect(res.errors).toBeUndefined();
    return res.data.accessLog.edges.map((edge: any) => edge.node);
  }
});

test("the test the scaffold wrote for urban-health passes in the copy", async () => {
  const jest = require.resolve('jest/bin/jest');
  const result = await run(process.execPath, [jest, '--config', path.join(tmp, 'jest.config.js'), '--rootDir', tmp, '--ci', 'test/urban-health.test.ts'], {
    cwd: tmp,
    env: { ...process.env },
  }).then(
    ({ stderr }) => ({ code: 0, output: stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, output: `${error.stdout}\n${error.stderr}` }),
  );
  expect({ code: result.code, output: result.code ? result.output : '' }).toEqual({ code: 0, output: '' });
  expect(result.output).toMatch(/Tests:\s+\d+ passed, \d+ total/);
}, 90_000);
