/**
 * The source check: every keyed type but Worker (and but references to other agencies' types,
 * `resolvable: false`) has `source: Source!`, `Source` has SOURCE_FIELDS, and the records the
 * subgraph returns for up to SAMPLE workers (Worker itself, and its fields of such types) name
 * this agency in `source.agency`.
 */
import { Kind } from 'graphql';
import { errorCodes, firstError, type Answer } from './answers.js';
import type { Sealed } from './prober.js';
import { result, type CheckResult } from './report.js';
import { namedType, type SchemaIndex } from './schema-index.js';
import { SAMPLE } from './workers.js';

export const SOURCE_FIELDS = ['agency', 'system', 'recordId', 'recordedAt', 'recordedBy', 'updatedAt'] as const;

/** What the SDL lacks for `source`: keyed types without `source: Source!`, Source's fields. */
export function checkSourceShape(schema: SchemaIndex): string[] {
  const problems: string[] = [];
  const keyed = schema.keyedRecordTypes();
  const missing = keyed.filter((t) => {
    const source = t.fields.find((f) => f.name.value === 'source');
    return !source || source.type.kind !== Kind.NON_NULL_TYPE || namedType(source.type) !== 'Source';
  });
  if (missing.length) problems.push(`keyed types without \`source: Source!\`: ${missing.map((t) => t.name).join(', ')}`);
  const sourceType = schema.objects.get('Source');
  if (keyed.length > 0 || schema.hasField('Worker', 'source')) {
    if (!sourceType) problems.push('no Source type');
    else {
      const absent = SOURCE_FIELDS.filter((name) => !sourceType.fields.some((f) => f.name.value === name));
      if (absent.length) problems.push(`Source lacks ${absent.join(', ')}`);
    }
  }
  return problems;
}

/** Worker fields whose records carry `source` and can be asked without arguments. */
export function recordFieldsOfWorker(schema: SchemaIndex): string[] {
  const worker = schema.objects.get('Worker');
  if (!worker) return [];
  return schema.ownFields(worker).flatMap((field) => {
    if (field.arguments?.some((a) => a.type.kind === Kind.NON_NULL_TYPE && !a.defaultValue)) return [];
    const target = namedType(field.type);
    return target !== 'Source' && schema.hasField(target, 'source') ? [field.name.value] : [];
  });
}

/** What the check asks of each sampled worker: its own source, and its records' sources. */
export interface SourceSample {
  workerHasSource: boolean;
  /** Worker's fields holding this agency's records. */
  fields: string[];
  query: string;
}

/** The sample's query, or undefined when Worker has no records of this agency to sample. */
export function sourceSample(schema: SchemaIndex): SourceSample | undefined {
  const sourceSelection = `source { ${SOURCE_FIELDS.join(' ')} }`;
  const workerHasSource = schema.hasField('Worker', 'source');
  const fields = recordFieldsOfWorker(schema);
  const selections = [...(workerHasSource ? [sourceSelection] : []), ...fields.map((f) => `${f} { ${sourceSelection} }`)];
  if (!selections.length) return undefined;
  const query = `query ConformanceSource($representations: [_Any!]!) { _entities(representations: $representations) { ... on Worker { id ${selections.join(' ')} } } }`;
  return { workerHasSource, fields, query };
}

export async function checkSource(schema: SchemaIndex, agency: string, ids: string[], sealed: Sealed): Promise<CheckResult> {
  const problems = checkSourceShape(schema);
  const sample = sourceSample(schema);
  if (!sample || problems.length) {
    return result('source', problems, `${schema.keyedRecordTypes().length} keyed type(s), each with source: Source!; Worker has no records of this agency to sample`, []);
  }
  const representations = ids.slice(0, SAMPLE).map((id) => ({ __typename: 'Worker', id }));
  const answer = await sealed(sample.query, { representations }, `_entities with source (${representations.length} workers)`);
  return sampledSourceResult(schema, agency, sample, representations.length, answer);
}

/** The verdict on the answer to `sample`'s query about `asked` workers. */
export function sampledSourceResult(schema: SchemaIndex, agency: string, sample: SourceSample, asked: number, answer: Answer): CheckResult {
  const entities: unknown = answer.json?.data?._entities;
  if (!Array.isArray(entities)) return result('source', [`_entities with source was not answered (${firstError(answer)})`], '', []);
  const problems: string[] = [];
  const denied = (answer.json?.errors ?? []).filter((e: any) => e?.extensions?.code === 'FORBIDDEN').length;
  const unexpected = errorCodes(answer).filter((code) => code !== 'NOT_FOUND' && code !== 'FORBIDDEN');
  if (unexpected.length) problems.push(`errors asking for source: ${[...new Set(unexpected)].join(', ')} (${firstError(answer)})`);
  let records = 0;
  const wrong: string[] = [];
  const inspect = (where: string, record: any) => {
    if (record == null) return;
    records++;
    const source = record.source;
    if (!source) {
      wrong.push(`${where} has no source`);
      return;
    }
    if (source.agency !== agency) wrong.push(`${where}.source.agency is ${JSON.stringify(source.agency)}`);
    const empty = SOURCE_FIELDS.filter((name) => source[name] == null || source[name] === '');
    if (empty.length) wrong.push(`${where}.source lacks ${empty.join(', ')}`);
  };
  for (const entity of entities as any[]) {
    if (!entity) continue;
    if (sample.workerHasSource) inspect(`Worker ${entity.id}`, entity);
    for (const field of sample.fields) {
      const value = entity[field];
      for (const [i, record] of (Array.isArray(value) ? value : [value]).entries()) inspect(`Worker ${entity.id}.${field}${Array.isArray(value) ? `[${i}]` : ''}`, record);
    }
  }
  if (wrong.length) problems.push(`expected source.agency "${agency}": ${wrong.slice(0, 3).join(', ')}${wrong.length > 3 ? ` (${wrong.length} in all)` : ''}`);
  const warnings = denied ? [`${denied} field(s) refused to an auditor, so not sampled`] : [];
  if (!records) warnings.push(`none of the ${asked} workers asked about has a record here, so no source was sampled`);
  const sampled = [...(sample.workerHasSource ? ['Worker'] : []), ...sample.fields.map((f) => `Worker.${f}`)].join(', ');
  return result('source', problems, `${schema.keyedRecordTypes().length} keyed type(s), each with source: Source!; ${records} record(s) of ${sampled} name "${agency}"`, warnings);
}
