/**
 * How an agency confirms that a worker exists before writing a record about them. Labour owns
 * identity, so the agency asks Labour's subgraph (by key, the federation way) instead of keeping
 * a copy of the worker list or reading Labour's tables.
 */
import { notFound, subgraphUnavailable } from './errors.js';

export interface WorkerDirectory {
  /** Throws NOT_FOUND naming the first id Labour does not know. */
  requireWorkers(ids: string[]): Promise<void>;
}

const TIMEOUT_MS = 5000;

export function labourWorkerDirectory(labourUrl: () => string): WorkerDirectory {
  return {
    async requireWorkers(ids) {
      const unique = [...new Set(ids)];
      if (!unique.length) return;
      let body: { data?: { _entities: ({ id: string } | null)[] }; errors?: unknown[] };
      try {
        const response = await fetch(labourUrl(), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Worker { id } } }',
            variables: { r: unique.map((id) => ({ __typename: 'Worker', id })) },
          }),
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
        body = (await response.json()) as typeof body;
      } catch {
        throw subgraphUnavailable('labour', 'could not confirm the worker with the Labour Department');
      }
      if (!body.data) throw subgraphUnavailable('labour', 'could not confirm the worker with the Labour Department');
      const missing = unique.find((_, i) => !body.data!._entities[i]);
      if (missing) throw notFound('worker', missing);
    },
  };
}
