/**
 * The single window: how each worker stands with every scheme of the catalogue
 * (schema/schemes.yaml, src/shared/schemes.ts), worked out from the facts each agency publishes
 * about its own records (src/shared/facts.ts). Facts are asked as the caller, so each agency
 * applies its jurisdiction and its policy for each fact; they are used for one answer and kept
 * nowhere. Labour's register says who the workers are (and where), the other agencies add what
 * their records show about them.
 */
import DataLoader from 'dataloader';
import { forbidden, wardsOf } from '../../src/shared/access/caller.js';
import { absentValue, decodeFactSets, type FactDeclaration, type FactSets } from '../../src/shared/facts.js';
import { evaluateScheme, standingOf, type CompiledScheme, type SchemeAnswer, type WorkerFactValues } from '../../src/shared/schemes.js';
import { decodeWorkerCells, type StatisticsAnswer, type StatisticsRequest, type WorkerCell } from '../../src/shared/statistics.js';
import { WorkerBitmap } from '../../src/shared/worker-sets.js';
import { today } from '../../src/shared/dates.js';
import { IDENTITY_AGENCY } from '../../src/shared/worker-directory.js';
import type { Context } from './context.js';
import { ReportMemo } from './memo.js';

/** One scheme for one worker, as `Worker.schemes` answers it. */
export interface WorkerStanding extends SchemeAnswer {
  scheme: CompiledScheme;
}

/** One scheme's convergence figures in one group, published. */
export interface SchemeFigureValue {
  scheme: CompiledScheme;
  eligible: number | null;
  enrolled: number | null;
  gap: number | null;
  withheldFacts: string[];
}

/** The most workers one fact question names; a larger population is asked about whole. */
const MAX_NAMED_WORKERS = 1000;

/** The facts the given schemes read, by the agency that publishes them. */
function factsByAgency(schemes: CompiledScheme[]): Map<string, FactDeclaration[]> {
  const byAgency = new Map<string, FactDeclaration[]>();
  for (const fact of schemes.flatMap((scheme) => scheme.facts)) {
    const facts = byAgency.get(fact.agency) ?? [];
    if (!facts.includes(fact)) facts.push(fact);
    byAgency.set(fact.agency, facts);
  }
  return byAgency;
}

/**
 * One fact as small numbers: each worker's value numbered among the distinct values met (0 for a
 * worker the agency holds nothing about), how many numbers there are, and the value each stands
 * for. Workers whose facts number alike stand alike with a scheme, so its rule is evaluated once
 * for all of them.
 */
interface NumberedFact {
  numbers: Uint32Array;
  count: number;
  valueOf: (number: number) => unknown;
}

function numberFact(fact: FactDeclaration, { values, sets }: FactSets, size: number): NumberedFact {
  // Indexed by worker number: a look-up per worker and scheme must cost next to nothing.
  const numbers = new Uint32Array(size);
  if (fact.type !== 'list') {
    sets.forEach((set, i) => {
      for (const worker of set.toUint32Array()) if (worker < size) numbers[worker] = i + 1;
    });
    return { numbers, count: sets.length + 1, valueOf: (number) => (number ? values[number - 1] : absentValue(fact)) };
  }
  // A list: each worker numbered by the combination of values they have, a bit per value (a
  // list fact has a few values, such as the schemes a worker is enrolled in).
  if (sets.length > 31) throw new Error(`${fact.agency}.${fact.name} has more values than a rule can combine.`);
  const combinations = new Uint32Array(size);
  sets.forEach((set, i) => {
    for (const worker of set.toUint32Array()) if (worker < size) combinations[worker] |= 1 << i;
  });
  const distinct = new Map<number, number>([[0, 0]]);
  for (let worker = 0; worker < size; worker += 1) {
    let number = distinct.get(combinations[worker]);
    if (number === undefined) distinct.set(combinations[worker], (number = distinct.size));
    numbers[worker] = number;
  }
  const lists = [...distinct.keys()].map((mask) => values.filter((_, i) => mask & (1 << i)));
  return { numbers, count: distinct.size, valueOf: (number) => lists[number] };
}

/** What the agencies answered about a set of workers: values by agency and fact, and what they withheld. */
class AnsweredFacts {
  private readonly answered = new Map<string, FactSets>();
  private readonly numbered = new Map<FactDeclaration, NumberedFact>();
  readonly withheld = new Set<string>();

  /** `size`: one more than the highest worker number to be evaluated. */
  constructor(private readonly size: number) {}

  add(agency: string, facts: FactDeclaration[], answer: StatisticsAnswer): void {
    for (const fact of facts) {
      const key = `${agency}.${fact.name}`;
      if (answer.deniedFacts?.includes(fact.name)) this.withheld.add(key);
      else this.answered.set(key, decodeFactSets(fact, answer.facts?.[fact.name]));
    }
  }

  /** The fact, numbered (worked out once per fact). */
  numberedFact(fact: FactDeclaration): NumberedFact {
    let numbered = this.numbered.get(fact);
    if (!numbered) {
      const answered = this.answered.get(`${fact.agency}.${fact.name}`) ?? { values: [], sets: [] };
      this.numbered.set(fact, (numbered = numberFact(fact, answered, this.size)));
    }
    return numbered;
  }

  /** One worker's values, shaped as the rules read them (`values.labour.age`). */
  of(worker: number, facts: FactDeclaration[]): WorkerFactValues {
    const values: WorkerFactValues = {};
    for (const fact of facts) {
      const { numbers, valueOf } = this.numberedFact(fact);
      (values[fact.agency] ??= {})[fact.name] = valueOf(worker < numbers.length ? numbers[worker] : 0);
    }
    return values;
  }
}

function factQuestion(names: FactDeclaration[], workers?: string[]): StatisticsRequest['facts'] {
  return { names: names.map((fact) => fact.name), workers };
}

/** An agency's answer to a fact question, with the facts it was asked. */
type FactAnswer = { agency: string; facts: FactDeclaration[]; answer: StatisticsAnswer };

/**
 * Asks each agency for its facts about the given workers (or all of its records), every agency
 * in `byAgency` but those in `except`.
 */
function askFacts(context: Context, byAgency: Map<string, FactDeclaration[]>, workers: string[] | undefined, asOf: string, except: string[] = []): Promise<FactAnswer[]> {
  return Promise.all(
    [...byAgency]
      .filter(([agency]) => !except.includes(agency))
      .map(async ([agency, facts]) => ({ agency, facts, answer: await context.ask(agency, { asOf, facts: factQuestion(facts, workers) }) })),
  );
}

/** `W-0000042` for worker number 42: how the graph names the workers the sets and facts number. */
export const workerIdOf = (number: number) => `W-${String(number).padStart(7, '0')}`;

/**
 * The loader behind `Worker.schemes`: for a batch of workers, one fact question per agency that
 * publishes a fact the catalogue reads, then every scheme evaluated for every worker.
 */
export function schemesLoader(context: Context): DataLoader<string, WorkerStanding[]> {
  return new DataLoader(
    async (ids) => {
      const asOf = today();
      const byAgency = factsByAgency(context.catalogue);
      const workers = [...ids];
      const answered = new AnsweredFacts(Math.max(0, ...workers.map((id) => Number(id.slice(2)) + 1)));
      for (const { agency, facts, answer } of await askFacts(context, byAgency, workers, asOf)) answered.add(agency, facts, answer);
      const all = [...byAgency.values()].flat();
      return ids.map((id) => {
        const values = answered.of(Number(id.slice(2)), all);
        return context.catalogue.map((scheme) => ({ scheme, ...evaluateScheme(scheme, values, answered.withheld, context.agencyTitles) }));
      });
    },
    { maxBatchSize: MAX_NAMED_WORKERS },
  );
}

/** Eligible and enrolled, null when a fact it needs is withheld or unknown. */
export type Standing = { eligible: boolean | null; enrolled: boolean | null };

/** The nine standings, numbered 1 to 9 (0: not in the population). */
const STANDINGS: Standing[] = [true, false, null].flatMap((eligible) => [true, false, null].map((enrolled) => ({ eligible, enrolled })));
const standingNumber = ({ eligible, enrolled }: Standing) => STANDINGS.findIndex((s) => s.eligible === eligible && s.enrolled === enrolled) + 1;

/** How each worker of a population stands with one scheme: a byte per worker number. */
export class SchemeStandings {
  constructor(private readonly numbers: Uint8Array) {}

  get(worker: number): Standing | undefined {
    const number = worker < this.numbers.length ? this.numbers[worker] : 0;
    return number ? STANDINGS[number - 1] : undefined;
  }
}

/** How each worker of a population stands with each of some schemes. */
export interface PopulationStanding {
  asOf: string;
  /** Labour's cells (city × ward × occupation) of the workers in the filter. */
  cells: WorkerCell[];
  /** Every worker of the cells. */
  population: WorkerBitmap;
  /** Per scheme (in the order asked): each worker's eligible and enrolled, null when unknown. */
  standing: Map<string, SchemeStandings>;
  /** Facts an agency would not let the caller use: `agency.fact`. */
  withheld: Set<string>;
  /** What it was worked out from (memo.ts); none when that cannot be told. */
  key?: string;
}

/**
 * Every worker in the filter (Labour's register, within the caller's jurisdiction), evaluated
 * against `schemes`. For a ward (asked for, or the caller's whole jurisdiction) Labour is asked
 * first who its workers are, then every agency about exactly those workers; for anything wider,
 * every agency is asked at once about all of its records within the jurisdiction.
 */
export function populationStanding(
  context: Context,
  schemes: CompiledScheme[],
  filter: { city?: string | null; ward?: string | null; occupation?: string | null } = {},
): Promise<PopulationStanding> {
  // One request may ask for the same population twice (the dashboard's convergence, and by ward).
  const key = JSON.stringify([schemes.map((scheme) => scheme.id), filter.city ?? null, filter.ward ?? null, filter.occupation ?? null]);
  let standing = context.standings.get(key);
  if (!standing) context.standings.set(key, (standing = evaluatePopulation(context, schemes, filter)));
  return standing;
}

async function evaluatePopulation(
  context: Context,
  schemes: CompiledScheme[],
  filter: { city?: string | null; ward?: string | null; occupation?: string | null },
): Promise<PopulationStanding> {
  const asOf = today();
  const byAgency = factsByAgency(schemes);
  const labourFacts = byAgency.get(IDENTITY_AGENCY) ?? [];
  const place = { city: filter.city ?? undefined, ward: filter.ward ?? undefined, occupation: filter.occupation ?? undefined };
  const cellsQuestion = { name: 'workerCells', params: place };
  let cellsAnswer: StatisticsAnswer;
  let facts: FactAnswer[];
  if (place.ward || wardsOf(context.caller.jurisdiction)) {
    cellsAnswer = await context.ask(IDENTITY_AGENCY, { asOf, tables: [cellsQuestion] });
    const population = populationOf(decodeWorkerCells(cellsAnswer.tables[0]));
    const named = population.size <= MAX_NAMED_WORKERS ? population.toArray().map(workerIdOf) : undefined;
    facts = await askFacts(context, byAgency, named, asOf);
  } else {
    // Labour's cells come with its facts, in one answer.
    const [labour, others] = await Promise.all([
      context.ask(IDENTITY_AGENCY, { asOf, tables: [cellsQuestion], facts: labourFacts.length ? factQuestion(labourFacts) : undefined }),
      askFacts(context, byAgency, undefined, asOf, [IDENTITY_AGENCY]),
    ]);
    cellsAnswer = labour;
    facts = [...(labourFacts.length ? [{ agency: IDENTITY_AGENCY, facts: labourFacts, answer: labour }] : []), ...others];
  }

  // The same answers as before give the same standing: worked out once (memo.ts).
  const digests = [cellsAnswer, ...facts.map(({ answer }) => answer)].map((answer) => answer.digest);
  const key = ReportMemo.key(context.caller, ['population', asOf, schemes.map((scheme) => scheme.id), place], digests);
  return context.memo.remember(key, (standing) => standing.population.size * (standing.standing.size + 16), () => {
    const cells = decodeWorkerCells(cellsAnswer.tables[0]);
    const population = populationOf(cells);
    const workers = population.toUint32Array();
    const answered = new AnsweredFacts(population.isEmpty ? 0 : population.maximum() + 1);
    for (const { agency, facts: asked, answer } of facts) answered.add(agency, asked, answer);
    const standing = new Map(schemes.map((scheme) => [scheme.id, evaluateForEach(scheme, workers, answered)]));
    return { asOf, cells, population, standing, withheld: answered.withheld, key };
  });
}

/** Every worker of Labour's cells. */
export const populationOf = (cells: WorkerCell[]) => WorkerBitmap.orMany(cells.map((cell) => cell.workers));

/**
 * How each of `workers` stands with `scheme`. A rule reads a few facts with few values (an age, a
 * yes or no): it is evaluated once per combination of values met, not once per worker (at a
 * million workers, a few thousand times). Combinations are numbered by mixed radix, fact by fact
 * over the whole population: loops over typed arrays, no call per worker.
 */
function evaluateForEach(scheme: CompiledScheme, workers: Uint32Array, answered: AnsweredFacts): SchemeStandings {
  const facts = scheme.facts.map((fact) => answered.numberedFact(fact));
  const combinations = facts.reduce((product, fact) => product * fact.count, 1);
  // A rule over so many values that they would not fit a safe integer is beyond any catalogue's,
  // and is refused rather than miscounted.
  if (combinations > Number.MAX_SAFE_INTEGER) throw new Error(`${scheme.id} reads facts with too many distinct values to evaluate.`);
  const keys = new Float64Array(workers.length);
  for (const { numbers, count } of facts) {
    for (let i = 0; i < workers.length; i += 1) keys[i] = keys[i] * count + numbers[workers[i]];
  }
  // Each combination's standing once worked out: a byte each while there are few enough.
  const known = combinations <= 1 << 24 ? new Uint8Array(combinations) : null;
  const knownAsMap = new Map<number, number>();
  const numbers = new Uint8Array(workers.length ? workers[workers.length - 1] + 1 : 0);
  for (let i = 0; i < workers.length; i += 1) {
    const key = keys[i];
    let number = known ? known[key] : knownAsMap.get(key) ?? 0;
    if (!number) {
      number = standingNumber(standingOf(scheme, answered.of(workers[i], scheme.facts), answered.withheld));
      if (known) known[key] = number;
      else knownAsMap.set(key, number);
    }
    numbers[workers[i]] = number;
  }
  return new SchemeStandings(numbers);
}

/** The facts of a scheme an agency withheld from this caller: `agency.fact`. */
export function withheldFactsOf(scheme: CompiledScheme, withheld: ReadonlySet<string>): string[] {
  return scheme.facts.map((fact) => `${fact.agency}.${fact.name}`).filter((name) => withheld.has(name));
}

/** A worklist cannot be made from facts the caller may not use: FORBIDDEN, naming them. */
export function refuseWithheld(scheme: CompiledScheme, withheld: ReadonlySet<string>): void {
  const names = withheldFactsOf(scheme, withheld);
  if (names.length) {
    throw forbidden(`The ${scheme.id} worklist needs ${names.join(', ')}, which ${names.length === 1 ? 'its agency does' : 'their agencies do'} not share with your role.`, {
      reason: 'FACT_NOT_SHARED',
      facts: names,
    });
  }
}
