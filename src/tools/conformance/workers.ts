/** The worker ids the entities and source checks ask about: Labour's, or made-up ones. */
import type { MemberKey } from '../../shared/access/seal.js';
import { firstError } from './answers.js';
import type { Prober } from './prober.js';

/** Workers whose records are sampled for `source`: enough that most agencies have some. */
export const SAMPLE = 100;

export interface WorkerIds {
  ids: string[];
  /** Where they came from, as the report says it. */
  from: string;
}

/** Said in `from` when Labour was asked and did not answer. */
const LABOUR_SILENT = 'did not answer';
const MADE_UP = 'W-0000001..W-0000020';

/** Labour's first SAMPLE workers, or W-0000001..W-0000100 without a Labour URL or its answer. */
export async function realWorkerIds(signer: MemberKey, labourUrl: string | undefined, http: Prober): Promise<WorkerIds> {
  const fallback = Array.from({ length: SAMPLE }, (_, i) => `W-${String(i + 1).padStart(7, '0')}`);
  if (!labourUrl) return { ids: fallback, from: MADE_UP };
  const answer = await http.sealed(labourUrl, signer, 'labour', `{ workers(first: ${SAMPLE}) { edges { node { id } } } }`, undefined, 'Labour: workers');
  const ids: unknown = answer.json?.data?.workers?.edges?.map((e: any) => e?.node?.id);
  if (Array.isArray(ids) && ids.length && ids.every((id) => typeof id === 'string')) return { ids: ids as string[], from: 'Labour' };
  return { ids: fallback, from: `${MADE_UP} (Labour ${LABOUR_SILENT}: ${firstError(answer)})` };
}

/** Whether the ids are made up because Labour did not answer. */
export function labourWasSilent(workers: WorkerIds): boolean {
  return workers.from.includes(LABOUR_SILENT);
}

/** Where the ids came from, without why Labour's were not had. */
export function idsFrom(workers: WorkerIds): string {
  return labourWasSilent(workers) ? MADE_UP : workers.from;
}
