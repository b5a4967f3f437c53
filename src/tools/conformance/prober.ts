/** The kit's HTTP calls: each one timed, and the sealed ones sealed as the gateway seals them. */
import type { Caller } from '../../shared/access/caller.js';
import { SEAL_HEADER, sealCall, type MemberKey } from '../../shared/access/seal.js';
import type { Answer } from './answers.js';
import type { TimedCall } from './report.js';

/** The subgraph under test, and the key its calls are sealed with. */
export interface Target {
  /** The subgraph's GraphQL endpoint, e.g. `http://localhost:4006/graphql`. */
  url: string;
  /** The agency's name in the registry: the audience (`aud`) of the seal. */
  agency: string;
  /** The gateway's signing key: the kit seals calls as the gateway does. */
  signer: MemberKey;
}

/** Who the kit seals its calls as. */
export const VERIFIER: Caller = {
  agency: 'worker-graph',
  subject: 'agency-verify',
  role: 'auditor',
  jurisdiction: 'national',
  scopes: ['read'],
  purpose: 'audit',
};

/** A sealed GraphQL call to the subgraph under test. */
export type Sealed = (query: string, variables?: Record<string, unknown>, label?: string) => Promise<Answer>;

export class Prober {
  readonly calls: TimedCall[] = [];
  constructor(private readonly timeoutMs: number) {}

  async send(url: string, label: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
    const started = performance.now();
    const done = (answer: Omit<Answer, 'label'>, inTime = true): Answer => {
      this.calls.push({ label, ms: Math.round(performance.now() - started), inTime, answered: answer.status !== undefined });
      return { label, ...answer };
    };
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: init.method ?? 'POST',
        headers: init.body !== undefined ? { 'content-type': 'application/json', ...init.headers } : init.headers,
        body: init.body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') return done({ failure: `no answer within ${this.timeoutMs} ms` }, false);
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return done({ failure: `could not be reached (${cause?.code ?? cause?.message ?? (error as Error).message})` });
    }
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      return done({ status: response.status, failure: `answered HTTP ${response.status} without JSON` });
    }
    return done({ status: response.status, json });
  }

  /** A GraphQL POST carrying the gateway's seal for `audience` and exactly this body. */
  async sealed(url: string, signer: MemberKey, audience: string, query: string, variables?: Record<string, unknown>, label = query): Promise<Answer> {
    const body = JSON.stringify(variables ? { query, variables } : { query });
    return this.send(url, label, { headers: await sealHeaders(signer, audience, body), body });
  }
}

/** The seal header for one body, as the gateway would send it to `audience`. */
export async function sealHeaders(signer: MemberKey, audience: string, body: string): Promise<Record<string, string>> {
  return { [SEAL_HEADER]: await sealCall(signer, { caller: VERIFIER, audience, body, kind: 'graphql' }) };
}
