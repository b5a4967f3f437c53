/**
 * How an agency confirms that a worker exists before writing a record about them. Labour owns
 * identity, so the agency asks Labour's subgraph (by key, the federation way) instead of keeping
 * a copy of the worker list or reading Labour's tables. The question carries the caller, sealed
 * by the asking agency as a `worker-lookup` call, so Labour answers within the caller's
 * jurisdiction (an officer cannot attach a record to a worker they could not look up), and
 * Labour accepts exactly this one question from an agency's seal, nothing else.
 */
import type { Caller } from './access/caller.js';
import { SEAL_HEADER, sealCall, type MemberKey } from './access/seal.js';
import { notFound, subgraphUnavailable } from './errors.js';

/** The agency that owns identity and answers worker look-ups. */
export const IDENTITY_AGENCY = 'labour';

export interface WorkerDirectory {
  /** Throws NOT_FOUND naming the first id Labour does not know (or does not show this caller). */
  requireWorkers(ids: string[]): Promise<void>;
}

const TIMEOUT_MS = 5000;
const WORKER_LOOKUP = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Worker { id } } }';

/** Labour's end: true when a request body is the look-up and nothing more. */
export function isWorkerLookup(body: string): boolean {
  try {
    const { query, ...rest } = JSON.parse(body) as { query?: unknown; variables?: unknown };
    return query === WORKER_LOOKUP && Object.keys(rest).every((key) => key === 'variables');
  } catch {
    return false;
  }
}

/** The asking agency's end, for one request: `signer` is the asking agency's key. */
export function labourWorkerDirectory(options: { labourUrl: () => string; signer: () => MemberKey; caller: Caller }): WorkerDirectory {
  return {
    async requireWorkers(ids) {
      const unique = [...new Set(ids)];
      if (!unique.length) return;
      const unavailable = () => subgraphUnavailable(IDENTITY_AGENCY, 'could not confirm the worker with the Labour Department');
      let result: { data?: { _entities: ({ id: string } | null)[] } };
      try {
        const body = JSON.stringify({ query: WORKER_LOOKUP, variables: { r: unique.map((id) => ({ __typename: 'Worker', id })) } });
        const seal = await sealCall(options.signer(), { caller: options.caller, audience: IDENTITY_AGENCY, body, kind: 'worker-lookup' });
        const response = await fetch(options.labourUrl(), {
          method: 'POST',
          headers: { 'content-type': 'application/json', [SEAL_HEADER]: seal },
          body,
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
        result = (await response.json()) as typeof result;
      } catch {
        throw unavailable();
      }
      if (!result.data) throw unavailable();
      const missing = unique.find((_, i) => !result.data!._entities[i]);
      if (missing) throw notFound('worker', missing);
    },
  };
}
