/**
 * `schema:check` as an agency developer meets it: an unchanged or additive schema passes; a
 * removed field, a newly required argument, a field another agency owns and a schema that does
 * not compose are each refused with the message a person needs.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { checkSchema, formatReport } from '../src/tools/schema-check';

const root = path.resolve(__dirname, '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'wg-schema-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const labour = readFileSync(path.join(root, 'subgraphs/labour/schema.graphql'), 'utf8');
const mepma = readFileSync(path.join(root, 'subgraphs/mepma/schema.graphql'), 'utf8');

function candidate(name: string, sdl: string): string {
  const file = path.join(dir, `${name}-${Math.random().toString(36).slice(2)}.graphql`);
  writeFileSync(file, sdl);
  return file;
}

const HEAD = labour.slice(0, labour.indexOf('"""\nLabour Department subgraph'));

test('the current schema, and one that only adds a field, pass', async () => {
  expect(await checkSchema('labour', candidate('labour', labour))).toMatchObject({ ok: true, findings: [] });
  const added = await checkSchema('labour', candidate('labour', labour.replace('  registeredOn: Date!\n', '  registeredOn: Date!\n  "Preferred language."\n  language: String\n')));
  expect(added.ok).toBe(true);
  expect(added.additions).toEqual(['Worker.language']);
});

test('a removed field is breaking, marked with the registered operations that use it', async () => {
  const report = await checkSchema('labour', candidate('labour', labour.replace(/\n  "Mobile number[^\n]*\n  phone: String![^\n]*/, '')));
  expect(report.ok).toBe(false);
  const breaking = report.findings.find((f) => f.kind === 'breaking' && f.coordinate === 'Worker.phone');
  expect(breaking).toMatchObject({ message: "Field 'phone' was removed from object type 'Worker'.", usedBy: ['cig-roster.graphql', 'crp-worklist.graphql', 'worker-card.graphql'] });
  expect(report.findings.filter((f) => f.kind === 'operation').map((f) => f.message)).toEqual([
    expect.stringMatching(/^cig-roster\.graphql no longer validates: Cannot query field "phone" on type "Worker"/),
    expect.stringMatching(/^crp-worklist\.graphql no longer validates/),
    expect.stringMatching(/^worker-card\.graphql no longer validates/),
  ]);
  expect(formatReport(report)).toMatch(/✗ Field 'phone' was removed from object type 'Worker'\. Used by: cig-roster\.graphql, crp-worklist\.graphql, worker-card\.graphql\./);
});

test('an argument made required is breaking', async () => {
  const report = await checkSchema('mepma', candidate('mepma', mepma.replace('cig(id: ID!): Cig', 'cig(id: ID!, purpose: String!): Cig')));
  expect(report.ok).toBe(false);
  expect(report.findings).toContainEqual({ kind: 'breaking', message: "Argument 'purpose: String!' added to field 'Query.cig'.", coordinate: 'Query.cig.purpose', usedBy: ['cig-roster.graphql'] });
});

test('a new agency that defines a field another agency owns is told whose it is', async () => {
  const health = `${HEAD}
type Worker @key(fields: "id") {
  id: ID!
  name: String!
  bloodGroup: String @access(allow: ["health:officer"])
}
`;
  const report = await checkSchema('health', candidate('health', health));
  expect(report.ok).toBe(false);
  expect(report.findings[0]).toEqual({
    kind: 'ownership',
    message: 'Worker.name is owned by labour; health cannot define it. Add a field of your own, or agree with labour to make it @shareable.',
  });
});

test('a schema that does not compose names the agency and the type', async () => {
  const broken = `${HEAD}
type HealthCard @key(fields: "cardNumber") {
  id: ID!
}
type Query { healthCard(id: ID!): HealthCard }
`;
  const report = await checkSchema('health', candidate('health', broken));
  expect(report.ok).toBe(false);
  expect(report.findings[0]!.kind).toBe('composition');
  expect(report.findings[0]!.message).toMatch(/\[KEY_INVALID_FIELDS\] \[health\] On type "HealthCard"/);

  const unparsable = await checkSchema('health', candidate('health', 'type Worker {'));
  expect(unparsable.findings[0]).toMatchObject({ kind: 'syntax', message: expect.stringMatching(/^health: .* does not parse: Syntax Error/) });
});

test('npm run schema:check exits 0 on a clean schema and 1 on a finding', async () => {
  const run = (file: string) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/schema-check.ts', 'labour', file], { cwd: root }).then(
      ({ stdout }) => ({ code: 0, out: stdout }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, out: error.stdout + error.stderr }),
    );
  const clean = await run(path.join(root, 'subgraphs/labour/schema.graphql'));
  expect(clean).toMatchObject({ code: 0, out: expect.stringMatching(/OK: composes/) });
  const removed = await run(candidate('labour', labour.replace(/\n  "Mobile number[^\n]*\n  phone: String![^\n]*/, '')));
  expect(removed.code).toBe(1);
  expect(removed.out).toMatch(/REFUSED/);
});
