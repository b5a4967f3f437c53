/**
 * The rooms of the house and who may import whom (each room's README says the same in words).
 * Run-time code imports only its own room and the floors below it: src/shared is the ground
 * floor; the gateway and each subgraph stand on it, side by side, never importing one another
 * (the gateway appends to the access log through subgraphs/audit/log.ts, the one door between
 * them); the hub's assembly and the tools stand above. Scripts and tests may import anything.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(__dirname, '..');

/** The room a file lives in: `subgraphs/labour`, `src/shared`, `gateway`, ... */
function roomOf(file: string): string {
  const [top, second] = file.split('/');
  if (top === 'src' || (top === 'subgraphs' && second !== 'index.ts')) return `${top}/${second}`;
  return top;
}

/** What each room may import besides itself; a room not listed may import anything. */
const MAY_IMPORT: Record<string, (target: string) => boolean> = {
  'src/shared': () => false,
  'src/tools': (target) => roomOf(target) === 'src/shared',
  subgraphs: (target) => roomOf(target) === 'src/shared',
  gateway: (target) => ['src/shared', 'client'].includes(roomOf(target)) || target === 'subgraphs/audit/log.ts',
  client: () => false,
  'src/hub': (target) => !['scripts', 'test', 'src/tools'].includes(roomOf(target)),
};

function rulesFor(room: string): ((target: string) => boolean) | undefined {
  return MAY_IMPORT[room] ?? MAY_IMPORT[room.split('/')[0]];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'generated' ? [] : sourceFiles(relative);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [relative] : [];
  });
}

/** Relative imports of a file, as repository paths (`.js` specifiers name `.ts` sources). */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(path.join(root, file), 'utf8'), true, true);
  return importedFiles
    .map(({ fileName }) => fileName)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => path.normalize(path.join(path.dirname(file), specifier)).replace(/\.js$/, '.ts'));
}

const files = ['src', 'gateway', 'subgraphs', 'client'].flatMap(sourceFiles);

test('the rooms are found, and each is governed by a rule', () => {
  const rooms = new Set(files.map(roomOf));
  expect([...rooms].filter((room) => !rulesFor(room))).toEqual([]);
  for (const room of ['src/shared', 'src/hub', 'src/tools', 'gateway', 'subgraphs/labour', 'subgraphs/audit', 'subgraphs/reports']) expect(rooms.has(room)).toBe(true);
});

test('run-time code imports only its own room and the floors it stands on', () => {
  const crossings = files.flatMap((file) =>
    importsOf(file)
      .filter((target) => roomOf(target) !== roomOf(file) && !rulesFor(roomOf(file))!(target))
      .map((target) => `${file} imports ${target}`),
  );
  expect(crossings).toEqual([]);
});

test('the rule sees a crossing when there is one', () => {
  // Guards the test above against passing because it reads nothing.
  const subgraphRule = rulesFor('subgraphs/mepma')!;
  expect(subgraphRule('subgraphs/labour/entities.ts')).toBe(false);
  expect(subgraphRule('src/shared/errors.ts')).toBe(true);
  expect(rulesFor('src/shared')!('gateway/server.ts')).toBe(false);
  expect(files.length).toBeGreaterThan(100);
  expect(files.flatMap(importsOf).length).toBeGreaterThan(300);
});
