/**
 * How an agency confirms that a worker exists before writing a record about them. Labour owns
 * identity, so the agency asks Labour's subgraph (by key, the federation way) instead of keeping
 * a copy of the worker list or reading Labour's tables. The question carries the caller, sealed
 * like the gateway's own calls, so Labour answers within the caller's jurisdiction: an officer
 * cannot attach a record to a worker they could not look up.
 */
import type { Caller } from './access/caller.js';
import { INTERNAL_HEADER, signInternal, type AccessKeys } from './access/keys.js';
import { notFound, subgraphUnavailable } from './errors.js';

export interface WorkerDirectory {
  /** Throws NOT_FOUND naming the first id Labour does not know (or does not show this caller). */
  requireWorkers(ids: string[]): Promise<void>;
}

const TIMEOUT_MS = 5000;
const QUERY = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Worker { id } } }';

/** A directory for one request: `asker` is the agency whose subgraph is asking. */
export function labourWorkerDirectory(options: { labourUrl: () => string; keys: AccessKeys; asker: string; caller: Caller }): WorkerDirectory {
  return {
    async requireWorkers(ids) {
      const unique = [...new Set(ids)];
      if (!unique.length) return;
      const unavailable = () => subgraphUnavailable('labour', 'could not confirm the worker with the Labour Department');
      let result: { data?: { _entities: ({ id: string } | null)[] } };
      try {
        const body = JSON.stringify({ query: QUERY, variables: { r: unique.map((id) => ({ __typename: 'Worker', id })) } });
        const response = await fetch(options.labourUrl(), {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [INTERNAL_HEADER]: await signInternal(options.keys, options.caller, 'labour', body, `subgraph:${options.asker}`),
          },
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
