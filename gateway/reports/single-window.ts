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

/** A worker as the single window knows one: by Labour's key. */
export interface WorkerKey {
  id: string;
}

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

/** What the agencies answered about a set of workers: values by agency and fact, and what they withheld. */
class AnsweredFacts {
  private readonly answered = new Map<string, FactSets>();
  readonly withheld = new Set<string>();

  add(agency: string, facts: FactDeclaration[], answer: StatisticsAnswer): void {
    for (const fact of facts) {
      const key = `${agency}.${fact.name}`;
      if (answer.deniedFacts?.includes(fact.name)) this.withheld.add(key);
      else this.answered.set(key, decodeFactSets(fact, answer.facts?.[fact.name]));
    }
  }

  private setsOf(fact: FactDeclaration): FactSets {
    return this.answered.get(`${fact.agency}.${fact.name}`) ?? { values: [], sets: [] };
  }

  /**
   * One fact as small numbers: each worker's value numbered among the distinct values met (0 for
   * a worker the agency holds nothing about), and how many numbers there are. Workers whose facts
   * number alike stand alike with a scheme, so its rule is evaluated once for all of them.
   */
  numbered(fact: FactDeclaration, size: number): { numbers: Uint32Array; count: number } {
    const { sets } = this.setsOf(fact);
    // Indexed by worker number: a look-up per worker and scheme must cost next to nothing.
    const numbers = new Uint32Array(size);
    if (fact.type !== 'list') {
      sets.forEach((set, i) => {
        for (const worker of set.toUint32Array()) if (worker < size) numbers[worker] = i + 1;
      });
      return { numbers, count: sets.length + 1 };
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
    return { numbers, count: distinct.size };
  }

  /** One worker's values, shaped as the rules read them (`values.labour.age`). */
  of(worker: number, facts: FactDeclaration[]): WorkerFactValues {
    const values: WorkerFactValues = {};
    for (const fact of facts) {
      const answered = this.setsOf(fact);
      const held = answered.values.filter((_, i) => answered.sets[i].has(worker));
      (values[fact.agency] ??= {})[fact.name] = fact.type === 'list' ? held : held.length ? held[0] : absentValue(fact);
    }
    return values;
  }
}

function factQuestion(names: FactDeclaration[], workers?: string[]): StatisticsRequest['facts'] {
  return { names: names.map((fact) => fact.name), workers };
}

/** Asks every agency but Labour for its facts about the given workers (or all of its records). */
async function askOthers(context: Context, byAgency: Map<string, FactDeclaration[]>, workers: string[] | undefined, into: AnsweredFacts, asOf: string) {
  await Promise.all(
    [...byAgency]
      .filter(([agency]) => agency !== IDENTITY_AGENCY)
      .map(async ([agency, declarations]) => into.add(agency, declarations, await context.ask(agency, { asOf, facts: factQuestion(declarations, workers) }))),
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
      const answered = new AnsweredFacts();
      const workers = [...ids];
      const labour = byAgency.get(IDENTITY_AGENCY) ?? [];
      await Promise.all([
        labour.length ? context.ask(IDENTITY_AGENCY, { asOf, facts: factQuestion(labour, workers) }).then((answer) => answered.add(IDENTITY_AGENCY, labour, answer)) : null,
        askOthers(context, byAgency, workers, answered, asOf),
      ]);
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
  const answered = new AnsweredFacts();
  const labourFacts = byAgency.get(IDENTITY_AGENCY) ?? [];
  const place = { city: filter.city ?? undefined, ward: filter.ward ?? undefined, occupation: filter.occupation ?? undefined };
  const cellsQuestion = { name: 'workerCells', params: place };
  const askLabour = (workers?: string[], withCells = true) =>
    context.ask(IDENTITY_AGENCY, { asOf, tables: withCells ? [cellsQuestion] : [], facts: labourFacts.length ? factQuestion(labourFacts, workers) : undefined });
  let cells: WorkerCell[];
  let population: WorkerBitmap;
  if (place.ward || wardsOf(context.caller.jurisdiction)) {
    cells = decodeWorkerCells((await context.ask(IDENTITY_AGENCY, { asOf, tables: [cellsQuestion] })).tables[0]);
    population = WorkerBitmap.orMany(cells.map((cell) => cell.workers));
    const named = population.size <= MAX_NAMED_WORKERS ? population.toArray().map(workerIdOf) : undefined;
    await Promise.all([
      labourFacts.length ? askLabour(named, false).then((answer) => answered.add(IDENTITY_AGENCY, labourFacts, answer)) : null,
      askOthers(context, byAgency, named, answered, asOf),
    ]);
  } else {
    const [labour] = await Promise.all([askLabour(), askOthers(context, byAgency, undefined, answered, asOf)]);
    answered.add(IDENTITY_AGENCY, labourFacts, labour);
    cells = decodeWorkerCells(labour.tables[0]);
    population = WorkerBitmap.orMany(cells.map((cell) => cell.workers));
  }

  const workers = population.toUint32Array();
  const size = population.isEmpty ? 0 : population.maximum() + 1;
  const standing = new Map<string, SchemeStandings>();
  const numbered = new Map<FactDeclaration, ReturnType<AnsweredFacts['numbered']>>();
  for (const scheme of schemes) {
    // A rule reads a few facts with few values (an age, a yes or no): evaluate it once per
    // combination of values met, not once per worker (at a million workers, a few hundred times).
    const facts = scheme.facts.map((fact) => numbered.get(fact) ?? numbered.set(fact, answered.numbered(fact, size)).get(fact)!);
    // The combinations are numbered by mixed radix; a rule over so many values that they would not
    // fit a safe integer is beyond any catalogue's, and is refused rather than miscounted.
    const combinations = facts.reduce((product, fact) => product * fact.count, 1);
    if (combinations > Number.MAX_SAFE_INTEGER) throw new Error(`${scheme.id} reads facts with too many distinct values to evaluate.`);
    // Each combination's standing, once worked out: a byte each while there are few enough.
    const byValues = combinations <= 1 << 24 ? new Uint8Array(combinations) : new Map<number, number>();
    const numbers = new Uint8Array(size);
    for (const worker of workers) {
      let key = 0;
      for (const fact of facts) key = key * fact.count + fact.numbers[worker];
      let number = byValues instanceof Uint8Array ? byValues[key] : byValues.get(key) ?? 0;
      if (!number) {
        number = standingNumber(standingOf(scheme, answered.of(worker, scheme.facts), answered.withheld));
        if (byValues instanceof Uint8Array) byValues[key] = number;
        else byValues.set(key, number);
      }
      numbers[worker] = number;
    }
    standing.set(scheme.id, new SchemeStandings(numbers));
  }
  return { asOf, cells, population, standing, withheld: answered.withheld };
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
