/**
 * The typed client: generated code matches the registered operations and the public schema, an
 * operation that stops validating fails the generation, and the example report scripts work
 * against the real hub over HTTP.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CoverageDocument } from '../client/generated/graphql';
import { request, WorkerGraphError } from '../client/request';
import { toCsv } from '../client/csv';
import { Cell, CellKeyMethod, MAX_NOISE } from '../src/shared/cell-key';
import { config } from '../src/shared/config';
import { startTestStack, type TestStack } from './support/stack';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..');

/** What the typed client's generation would write now (test/support/generate-client.ts). */
async function generateClient(documents?: string): Promise<{ filename: string; content: string }[]> {
  const args = ['--import', 'tsx', path.join(__dirname, 'support', 'generate-client.ts'), ...(documents ? [documents] : [])];
  const { stdout } = await run(process.execPath, args, { cwd: root, maxBuffer: 20_000_000 });
  return JSON.parse(stdout);
}

describe('generated client', () => {
  it('is what the registered operations and the public schema generate today', async () => {
    const outputs = await generateClient();
    expect(outputs.length).toBeGreaterThan(0);
    for (const output of outputs) expect(readFileSync(path.resolve(root, output.filename), 'utf8')).toBe(output.content);
  });

  it('fails when an operation no longer validates against the public schema', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wg-ops-'));
    try {
      writeFileSync(path.join(dir, 'stale.graphql'), 'query Stale { coverage(groupBy: [CITY]) { rows { hectares } } }');
      await expect(generateClient(path.join(dir, '*.graphql'))).rejects.toMatchObject({ stderr: expect.stringMatching(/hectares/) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('report scripts', () => {
  let stack: TestStack;
  const analyst = { agency: 'mepma', role: 'analyst' as const, jurisdiction: 'city:VJA', scopes: ['read'], purpose: 'Statistics' };

  beforeAll(async () => {
    stack = await startTestStack('client', { as: analyst });
  });
  afterAll(() => stack?.stop());

  async function connection() {
    const headers = await stack.headersFor();
    return { url: stack.gatewayUrl, token: headers.authorization.replace(/^Bearer /, ''), purpose: 'Statistics' };
  }

  async function script(file: string, args: string[]) {
    const { token, url } = await connection();
    return run(process.execPath, ['--import', 'tsx', path.join(root, 'client', 'examples', file), ...args], {
      cwd: root,
      env: { ...process.env, WG_URL: url, WG_TOKEN: token, WG_PURPOSE: 'Statistics' },
    });
  }

  it('sends a typed operation and returns typed data', async () => {
    const { coverage } = await request(await connection(), CoverageDocument, { groupBy: ['CITY'], indicators: ['CIG_MEMBER'] });
    const workers: { id: string }[] = await stack.subgraphs.get('labour')!.database.orm.em.getConnection().execute(`select id from worker where city_code = 'VJA'`);
    // The figure is perturbed (cell-key method): worked out here from SQL's own records with the stack's secret.
    const cellKeys = new CellKeyMethod(stack.cellKeySecret, config.reportMinimumCount);
    const cell = new Cell();
    for (const { id } of workers) cell.add(cellKeys.recordKey(id));
    const published = cellKeys.publish(cell);
    expect(Math.abs(published - workers.length)).toBeLessThanOrEqual(MAX_NOISE);
    expect(coverage.minimumCount).toBe(config.reportMinimumCount);
    expect(coverage.rows.map((row) => [row.city?.code, row.workers])).toEqual([['VJA', published]]);
  });

  it('raises the gateway’s error codes', async () => {
    const refused = request(await connection(), CoverageDocument, { filter: { city: 'GVMC' }, groupBy: [] });
    await expect(refused).rejects.toBeInstanceOf(WorkerGraphError);
    await expect(refused).rejects.toMatchObject({ codes: ['FORBIDDEN'] });
  });

  it('exports a coverage report as CSV, figure for figure', async () => {
    const { stdout } = await script('report-csv.ts', ['coverage', '--group-by', 'occupation']);
    const { data } = await stack.query(
      `{ coverage(groupBy: [OCCUPATION]) { rows { occupation workers figures { indicator eligible covered ratio } } total { workers } } }`,
    );
    const lines = stdout.trim().split('\r\n');
    const header = lines[0].split(',');
    expect(header.slice(0, 4)).toEqual(['city', 'ward', 'occupation', 'workers']);
    expect(header).toContain('driving_licence_covered');
    expect(lines).toHaveLength(data.coverage.rows.length + 2); // header, rows, total
    data.coverage.rows.forEach((row: any, i: number) => {
      const cells = lines[i + 1].split(',');
      expect(cells[2]).toBe(row.occupation);
      expect(cells[3]).toBe(String(row.workers ?? ''));
      const licences = row.figures.find((figure: any) => figure.indicator === 'DRIVING_LICENCE');
      expect(cells[header.indexOf('driving_licence_covered')]).toBe(String(licences.covered ?? ''));
    });
    expect(lines.at(-1)!.split(',').slice(0, 4)).toEqual(['ALL', '', '', String(data.coverage.total.workers)]);
  });

  it('exports CIG formation and expiring documents, and writes to a file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wg-csv-'));
    try {
      const out = path.join(dir, 'cigs.csv');
      await script('report-csv.ts', ['cig-formation', '--group-by', 'month', '--out', out]);
      const [{ cigs }] = await stack.subgraphs.get('mepma')!.database.orm.em.getConnection().execute(`select count(*)::int as cigs from cig where city_code = 'VJA'`);
      const rows = readFileSync(out, 'utf8').trim().split('\r\n').slice(1);
      expect(rows.reduce((sum, line) => sum + Number(line.split(',')[5]), 0)).toBe(cigs);
      const { stdout } = await script('report-csv.ts', ['expiring', '--within-days', '366', '--group-by', 'document']);
      expect(stdout.split('\r\n')[0]).toBe('document,city,week,count,suppressed');
      expect(stdout.split('\r\n').length).toBeGreaterThan(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints a coverage summary, and a clear message when refused', async () => {
    const { stdout } = await script('coverage-summary.ts', ['--group-by', 'occupation']);
    expect(stdout).toContain(`counts perturbed by up to ±2, none shown from 1 to ${config.reportMinimumCount - 1}`);
    expect(stdout).not.toMatch(/withheld/);
    expect(stdout).toContain('STREET_VENDOR');
    await expect(script('coverage-summary.ts', ['--city', 'GVMC'])).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('[FORBIDDEN]') });
    await expect(script('report-csv.ts', ['nonsense'])).rejects.toMatchObject({ code: 2 });
  });
});

describe('CSV', () => {
  it('quotes what needs quoting and defuses spreadsheet formulas', () => {
    expect(toCsv(['a', 'b'], [['x, y', 'say "hi"'], ['=SUM(A1)', null], [-3, '-3']])).toBe('a,b\r\n"x, y","say ""hi"""\r\n\'=SUM(A1),\r\n-3,\'-3\r\n');
  });
});
