import { p } from '@mikro-orm/core';
import type DataLoader from 'dataloader';
import type { RecordChangeValue, Writer } from './history.js';


/**
 * Columns every agency record carries so an auditor can tell where a value came from: the
 * source system it was captured in, and who recorded and last changed it, when.
 */
export const provenanceProperties = {
  sourceSystem: p.string(),
  recordedAt: p.datetime().onCreate(() => new Date()),
  recordedBy: p.string(),
  updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  updatedBy: p.string().nullable(),
};

/** The SQL for the provenance columns, for an agency's migrations. */
export const provenanceColumnsSql = `
  source_system text not null,
  recorded_at timestamptz not null default now(),
  recorded_by text not null,
  updated_at timestamptz not null default now(),
  updated_by text`;

export interface ProvenanceFields {
  sourceSystem: string;
  recordedAt: Date;
  recordedBy: string;
  updatedAt: Date;
  updatedBy?: string | null;
}

export interface SourceValue {
  agency: string;
  system: string;
  recordId: string;
  recordedAt: Date;
  recordedBy: string;
  updatedAt: Date;
  updatedBy: string | null;
}

/**
 * Builds the public `Source` value for a record of `agency`. Records known by a number of their
 * own (a licence number, a ward code) pass it as `recordId`.
 */
export function sourceOf(agency: string, record: ProvenanceFields & { id?: string }, recordId = record.id!): SourceValue {
  return {
    agency,
    system: record.sourceSystem,
    recordId,
    recordedAt: record.recordedAt,
    recordedBy: record.recordedBy,
    updatedAt: record.updatedAt,
    updatedBy: record.updatedBy ?? null,
  };
}

/** The source system of records written through the graph; `recordedBy` names the caller. */
export const GRAPH_SOURCE_SYSTEM = 'Worker Graph';

/**
 * Provenance of a record bulk-imported from an agency's own system: recorded at 10:00 IST on
 * `on`, and last changed on `changedOn` when that is later.
 */
export function importedProvenance(recordedBy: string, sourceSystem: string, on: string, changedOn = on) {
  return {
    sourceSystem,
    recordedAt: new Date(`${on}T10:00:00+05:30`),
    recordedBy,
    updatedAt: new Date(`${changedOn}T10:00:00+05:30`),
    updatedBy: changedOn === on ? null : recordedBy,
  };
}

/**
 * What the `history` resolver needs of a context: the request's history loader, keyed
 * `<table>:<record id>` (history.ts). Every agency's context carries one as `loaders.history`.
 */
export interface HistoryContext {
  loaders: { history: Pick<DataLoader<string, RecordChangeValue[]>, 'load'> };
}

/** The `source` and `history` resolvers of a record type whose records are `R`. */
export interface RecordFieldResolvers<R> {
  source: (record: R) => SourceValue;
  history: (record: R, args: unknown, context: HistoryContext) => Promise<RecordChangeValue[]>;
}

/**
 * The `source` and `history` resolvers every agency record type has, written once: spread them
 * into the type's resolvers (`...recordFields(AGENCY, 'cig')`; the record type is inferred from
 * the generated resolver types). `table` is the record's table, as the history trigger keys its
 * changes. A record known by a number of its own (a licence number, a ward code) must say how to
 * read it, which is then its `source.recordId` too: without an `id` the first form does not
 * type-check, so no history is ever looked up under `<table>:undefined`.
 */
export function recordFields<R extends ProvenanceFields & { id: string }>(agency: string, table: string): RecordFieldResolvers<R>;
export function recordFields<R extends ProvenanceFields>(agency: string, table: string, idOf: (record: R) => string): RecordFieldResolvers<R>;
export function recordFields<R extends ProvenanceFields & { id?: string }>(
  agency: string,
  table: string,
  idOf: (record: R) => string = (record) => record.id!,
): RecordFieldResolvers<R> {
  return {
    source: (record) => sourceOf(agency, record, idOf(record)),
    history: (record, _args, { loaders }) => loaders.history.load(`${table}:${idOf(record)}`),
  };
}

/**
 * Provenance of a record written through the graph: in the graph's own source system, recorded
 * by the caller the gateway vouched for (the same actor the change history names).
 */
export function writtenThroughGraph(writer: Writer): Pick<ProvenanceFields, 'sourceSystem' | 'recordedBy'> {
  return { sourceSystem: GRAPH_SOURCE_SYSTEM, recordedBy: writer.actor };
}
