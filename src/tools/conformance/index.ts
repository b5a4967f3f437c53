/**
 * The conformance kit (`npm run agency:verify -- --url <subgraph url>`): checks a running
 * agency subgraph, in this repository or anywhere else and in any language, against what Worker
 * Graph expects of every agency before it is registered, one file per check:
 *
 *   seal      refuses calls without the gateway's seal: unsealed, sealed with a key the agency
 *             does not trust, sealed for another agency (`aud`), sealed for another request body
 *             (`bh`) and a seal sent a second time are all refused (HTTP 401 or an
 *             UNAUTHENTICATED error, and no data).
 *             `/health` should answer 200; a missing one is a warning, not a failure (the
 *             gateway does not use it, load balancers do).
 *   service   serves `_service { sdl }` (sealed), and the SDL is a Federation 2 subgraph schema
 *             (`@link` to federation v2.x, builds with @apollo/subgraph) whose `Worker` carries a
 *             resolvable `@key(fields: "id")`.
 *   access    declares access policies: `@access` is defined or imported, every policy is well
 *             formed, every Mutation field carries one, and every field that looks like sensitive
 *             personal data (sensitive.ts) is guarded (see `guardOf`). Every Mutation field
 *             also takes an optional `idempotencyKey: ID`, so a write is safe to retry (the
 *             hub's agencies get the semantics from src/shared/idempotency.ts; an agency built
 *             elsewhere must give a repeated key the same answer and write nothing more).
 *   entities  resolves Worker references in one batch: one sealed `_entities` call with 25
 *             representations (20 worker ids, 4 repeated, 1 unknown) answers 25 entries in the
 *             same order (null allowed, e.g. for the unknown id; errors only NOT_FOUND).
 *   source    puts `source` on its records: every keyed type but Worker (and but references to
 *             other agencies' types, `resolvable: false`) has `source: Source!`, `Source` has
 *             `agency system recordId recordedAt recordedBy updatedAt`, and the records it
 *             returns for up to 100 workers (Worker itself, and its fields of such types) name
 *             this agency in `source.agency`.
 *   timeout   every call above answered within the timeout; the slowest is reported.
 *
 * The SDL checks (service, access, the shape of source) read the schema through
 * schema-index.ts; every call goes through prober.ts, which times it. Every sealed call is made
 * as a national auditor (`role: auditor`, `jurisdiction: national`, `scopes: [read]`, purpose
 * `audit`): the widest reader that writes nothing, so policies that admit auditors are exercised
 * and no record is changed. Sealing needs the gateway's signing key, so the kit runs where that
 * key is (the hub's operators, or an agency testing against a development hub's
 * `.data/keys/members/gateway.private.jwk.json`).
 */
import { readSupergraphConfig, type SubgraphEntry } from '../../shared/supergraph.js';
import { checkAccess } from './access.js';
import { checkEntities } from './entities.js';
import { Prober, type Sealed, type Target } from './prober.js';
import { result, type CheckName, type CheckResult, type ConformanceReport } from './report.js';
import { parseSdl, SchemaIndex } from './schema-index.js';
import { checkSeal } from './seal.js';
import { checkService } from './service.js';
import { checkSource } from './source.js';
import { checkTimeout } from './timeout.js';
import { realWorkerIds } from './workers.js';

export { CHECKS, formatReport, type CheckName, type CheckResult, type ConformanceReport, type TimedCall } from './report.js';
export { batchRepresentations } from './entities.js';
export { sensitiveReason } from './sensitive.js';

export interface ConformanceOptions extends Target {
  /** Each call's limit (default 5000 ms, the gateway's SUBGRAPH_TIMEOUT_MS default). */
  timeoutMs?: number;
  /** Labour's subgraph, to take real worker ids from; without it W-0000001..W-0000100 are used. */
  labourUrl?: string;
}

/** Checks one running subgraph; never throws for anything the subgraph does. */
export async function verifyAgency(options: ConformanceOptions): Promise<ConformanceReport> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const http = new Prober(timeoutMs);
  const sealed: Sealed = (query, variables, label) => http.sealed(options.url, options.signer, options.agency, query, variables, label);

  const checks: CheckResult[] = [];
  checks.push(await checkSeal(options, http));

  const service = await sealed('{ _service { sdl } }', undefined, '_service { sdl }');
  const sdl = service.json?.data?._service?.sdl;
  const parsed = typeof sdl === 'string' ? parseSdl(sdl) : undefined;
  checks.push(checkService(service, parsed));
  const schema = parsed && !('error' in parsed) ? new SchemaIndex(parsed.document) : undefined;
  const noSdl = (name: CheckName): CheckResult => result(name, ['no SDL to check (see the service check)'], '', []);

  checks.push(schema ? checkAccess(schema) : noSdl('access'));

  // Labour's answer is not this agency's: its call is not timed with the others.
  const workerIds = await realWorkerIds(options.signer, options.labourUrl, new Prober(timeoutMs));
  checks.push(await checkEntities(workerIds, sealed));
  checks.push(schema ? await checkSource(schema, options.agency, workerIds.ids, sealed) : noSdl('source'));
  checks.push(checkTimeout(http.calls, timeoutMs));
  return { url: options.url, agency: options.agency, ok: checks.every((c) => c.ok), checks, calls: http.calls };
}

/** The registry entry whose routing URL is `url` (localhost and 127.0.0.1 are the same host). */
export function registryEntryFor(url: string, entries: SubgraphEntry[] = readSupergraphConfig()): SubgraphEntry | undefined {
  const key = (raw: string) => {
    try {
      const u = new URL(raw);
      const host = ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname) ? 'localhost' : u.hostname;
      return `${u.protocol}//${host}:${u.port || (u.protocol === 'https:' ? '443' : '80')}${u.pathname.replace(/\/+$/, '')}`;
    } catch {
      return raw;
    }
  };
  return entries.find((entry) => key(entry.url) === key(url));
}
