/**
 * The disclosure protocol, both ends: each subgraph tells the gateway, in its answer's
 * `extensions.workerGraph`, whose records the answer carried (`workerIds`) and which agencies it
 * asked on the caller's behalf (`agencies`, the reports do). The gateway adds them to the request's
 * access-log entry; they never reach the client (the gateway does not pass subgraph extensions on).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { AccessContext } from './access/enforce.js';

export interface Disclosure {
  workerIds: string[];
  agencies: string[];
}

/** The subgraph's end: an Apollo Server plugin that adds the disclosure to every answer that has one. */
export function disclosurePlugin<TContext extends AccessContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          const agencies = [...(contextValue.consulted ?? [])];
          if (response.body.kind !== 'single' || (!contextValue.disclosed.size && !agencies.length)) return;
          const result = response.body.singleResult;
          const workerGraph: Disclosure = { workerIds: [...contextValue.disclosed], agencies };
          result.extensions = { ...result.extensions, workerGraph };
        },
      };
    },
  };
}

/** The gateway's end: what an answer's extensions disclose, ignoring anything malformed. */
export function readDisclosure(extensions: Record<string, unknown> | undefined): Disclosure {
  const { workerIds, agencies } = (extensions?.workerGraph ?? {}) as { workerIds?: unknown; agencies?: unknown };
  const strings = (value: unknown) => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);
  return { workerIds: strings(workerIds), agencies: strings(agencies) };
}
