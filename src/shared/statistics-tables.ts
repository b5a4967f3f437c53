/** The shapes of the tables more than one member reads: the agency that answers, and the reports. */
import { badInput } from './errors.js';
import { parseIsoDate } from './scalars.js';
import { decodeWorkers, type WorkerBitmap } from './worker-sets.js';

/** One row of Labour's `workerCells` table: the registered workers of one city × ward × occupation. */
export interface WorkerCell {
  city: string;
  ward: string;
  occupation: string;
  /** Their worker numbers (W-0000042 is 42). */
  workers: WorkerBitmap;
}

/** A `WorkerCell` on the wire: its workers encoded (src/shared/worker-sets.ts). */
export type WorkerCellAnswer = Omit<WorkerCell, 'workers'> & { workers: string };

/** Labour's cells as the reports read them. */
export function decodeWorkerCells(rows: unknown[]): WorkerCell[] {
  return (rows as WorkerCellAnswer[]).map((row) => ({ city: row.city, ward: row.ward, occupation: row.occupation, workers: decodeWorkers(row.workers) }));
}

/** One row of an agency's `expiring` table: the documents of one kind, place and week of expiry. */
export interface ExpiringDocuments {
  document: string;
  /** Null for a document of a place the hub does not know (seen by national callers only). */
  city: string | null;
  /** The Monday of the week the documents run out. */
  week: string;
  /** The documents' numbers, each a record the report service keys (src/shared/cell-key.ts). */
  numbers: string[];
}

/** One row of MEPMA's `cigFormation` table: the CIGs of one group and their active members. */
export interface CigFormationCell {
  month?: string;
  city?: string;
  ward?: string;
  occupation?: string;
  workLocationKind?: string;
  /** CIGs formed (groups, not people: published as they are). */
  cigs: number;
  /** Worker numbers of their active members (W-0000042 is 42). */
  members: number[];
}

/**
 * The parameters of an `expiring` table: documents valid on `from` that run out by `to`, of the
 * asked kinds this agency issues (all of `kinds` when none are named).
 */
export function expiryWindow(params: Record<string, unknown>, kinds: readonly string[]): { from: string; to: string; documents: string[] } {
  const from = parseIsoDate(params.from);
  const to = parseIsoDate(params.to);
  if (to < from) throw badInput(`The window ends (${to}) before it starts (${from}).`, 'to');
  const asked = Array.isArray(params.documents) ? (params.documents as string[]) : [...kinds];
  return { from, to, documents: kinds.filter((kind) => asked.includes(kind)) };
}

/** SQL for the Monday of the week of a date column, as `YYYY-MM-DD`. */
export const weekOf = (column: string) => `to_char(date_trunc('week', ${column}), 'YYYY-MM-DD')`;
