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
import { absentValue, decodeFact, type FactDeclaration } from '../../src/shared/facts.js';
import { evaluateScheme, standingOf, type CompiledScheme, type SchemeAnswer, type WorkerFactValues } from '../../src/shared/schemes.js';
import { type StatisticsAnswer, type StatisticsRequest, type WorkerCell } from '../../src/shared/statistics.js';
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
  private readonly values = new Map<string, Map<number, unknown>>();
  readonly withheld = new Set<string>();

  add(agency: string, facts: FactDeclaration[], answer: StatisticsAnswer): void {
    for (const fact of facts) {
      const key = `${agency}.${fact.name}`;
      if (answer.deniedFacts?.includes(fact.name)) this.withheld.add(key);
      else this.values.set(key, decodeFact(fact, answer.facts?.[fact.name] ?? ''));
    }
  }

  /**
   * One fact as small numbers: each worker's value numbered among the distinct values met (0 for
   * a worker the agency holds nothing about), and how many numbers there are. Workers whose facts
   * number alike stand alike with a scheme, so its rule is evaluated once for all of them.
   */
  numbered(fact: FactDeclaration): { numberOf: (worker: number) => number; count: number } {
    const known = this.values.get(`${fact.agency}.${fact.name}`) ?? new Map<number, unknown>();
    let highest = -1;
    for (const worker of known.keys()) if (worker > highest) highest = worker;
    // Indexed by worker number: a look-up per worker and scheme must cost next to nothing.
    const numbers = new Uint32Array(highest + 1);
    const distinct = new Map<unknown, number>();
    for (const [worker, value] of known) {
      const text = Array.isArray(value) ? value.join(',') : value;
      let number = distinct.get(text);
      if (number === undefined) distinct.set(text, (number = distinct.size + 1));
      numbers[worker] = number;
    }
    return { numberOf: (worker) => (worker < numbers.length ? numbers[worker] : 0), count: distinct.size + 1 };
  }

  /** One worker's values, shaped as the rules read them (`values.labour.age`). */
  of(worker: number, facts: FactDeclaration[]): WorkerFactValues {
    const values: WorkerFactValues = {};
    for (const fact of facts) {
      const known = this.values.get(`${fact.agency}.${fact.name}`);
      (values[fact.agency] ??= {})[fact.name] = known?.has(worker) ? known.get(worker) : absentValue(fact);
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

/** `W-0000042` for worker number 42: how the graph names the workers the bitsets and facts number. */
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
type Standing = { eligible: boolean | null; enrolled: boolean | null };

/** How each worker of a population stands with each of some schemes. */
export interface PopulationStanding {
  asOf: string;
  /** Labour's cells (city × ward × occupation) of the workers in the filter. */
  cells: WorkerCell[];
  /** Per scheme (in the order asked), per worker number: eligible and enrolled, null when unknown. */
  standing: Map<string, Map<number, Standing>>;
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
  if (place.ward || wardsOf(context.caller.jurisdiction)) {
    cells = (await context.ask(IDENTITY_AGENCY, { asOf, tables: [cellsQuestion] })).tables[0] as WorkerCell[];
    const population = cells.reduce((sum, cell) => sum + cell.workers.length, 0);
    const named = population <= MAX_NAMED_WORKERS ? cells.flatMap((cell) => cell.workers.map(workerIdOf)) : undefined;
    await Promise.all([
      labourFacts.length ? askLabour(named, false).then((answer) => answered.add(IDENTITY_AGENCY, labourFacts, answer)) : null,
      askOthers(context, byAgency, named, answered, asOf),
    ]);
  } else {
    const [labour] = await Promise.all([askLabour(), askOthers(context, byAgency, undefined, answered, asOf)]);
    answered.add(IDENTITY_AGENCY, labourFacts, labour);
    cells = labour.tables[0] as WorkerCell[];
  }

  const standing = new Map(schemes.map((scheme) => [scheme.id, new Map<number, Standing>()]));
  const numbered = new Map<FactDeclaration, ReturnType<AnsweredFacts['numbered']>>();
  for (const scheme of schemes) {
    // A rule reads a few facts with few values (an age, a yes or no): evaluate it once per
    // combination of values met, not once per worker (at 100,000 workers, a few hundred times).
    const facts = scheme.facts.map((fact) => numbered.get(fact) ?? numbered.set(fact, answered.numbered(fact)).get(fact)!);
    // The combinations are numbered by mixed radix; a rule over so many values that they would not
    // fit a safe integer is beyond any catalogue's, and is refused rather than miscounted.
    if (facts.reduce((product, fact) => product * fact.count, 1) > Number.MAX_SAFE_INTEGER) throw new Error(`${scheme.id} reads facts with too many distinct values to evaluate.`);
    const byValues = new Map<number, Standing>();
    const workers = standing.get(scheme.id)!;
    for (const cell of cells) {
      for (const worker of cell.workers) {
        let key = 0;
        for (const fact of facts) key = key * fact.count + fact.numberOf(worker);
        let found = byValues.get(key);
        if (!found) {
          const { eligible, enrolled } = standingOf(scheme, answered.of(worker, scheme.facts), answered.withheld);
          byValues.set(key, (found = { eligible, enrolled }));
        }
        workers.set(worker, found);
      }
    }
  }
  return { asOf, cells, standing, withheld: answered.withheld };
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
