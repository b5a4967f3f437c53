/**
 * The conformance kit (`npm run agency:verify -- --url <subgraph url>`): checks a running
 * agency subgraph, in this repository or anywhere else and in any language, against what Worker
 * Graph expects of every agency before it is registered:
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
 *             personal data (SENSITIVE below) is guarded (see `guardOf`). Every Mutation field
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
 * Every sealed call is made as a national auditor (`role: auditor`, `jurisdiction: national`,
 * `scopes: [read]`, purpose `audit`): the widest reader that writes nothing, so policies that
 * admit auditors are exercised and no record is changed. Sealing needs the gateway's signing key,
 * so the kit runs where that key is (the hub's operators, or an agency testing against a
 * development hub's `.data/keys/members/gateway.private.jwk.json`).
 */
import {
  Kind,
  parse,
  type ConstDirectiveNode,
  type DocumentNode,
  type FieldDefinitionNode,
  type TypeNode,
} from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { Caller } from '../shared/access/caller.js';
import { generateMemberKey } from '../shared/access/members.js';
import { SEAL_HEADER, sealCall, type MemberKey } from '../shared/access/seal.js';
import { policiesIn } from '../shared/access/policy.js';
import { readSupergraphConfig, type SubgraphEntry } from '../shared/supergraph.js';

export const CHECKS = ['seal', 'service', 'access', 'entities', 'source', 'timeout'] as const;
export type CheckName = (typeof CHECKS)[number];

export interface CheckResult {
  name: CheckName;
  ok: boolean;
  /** What was found: on failure, the reasons, `; `-separated. */
  detail: string;
  /** Worth a look, but not a failure. */
  warnings: string[];
}

export interface TimedCall {
  label: string;
  ms: number;
  /** False when it did not answer within the timeout. */
  inTime: boolean;
  /** False when nothing came back (unreachable, timed out). */
  answered: boolean;
}

export interface ConformanceReport {
  url: string;
  agency: string;
  ok: boolean;
  checks: CheckResult[];
  calls: TimedCall[];
}

export interface ConformanceOptions {
  /** The subgraph's GraphQL endpoint, e.g. `http://localhost:4006/graphql`. */
  url: string;
  /** The agency's name in the registry: the audience (`aud`) of the seal. */
  agency: string;
  /** The gateway's signing key: the kit seals calls as the gateway does. */
  signer: MemberKey;
  /** Each call's limit (default 5000 ms, the gateway's SUBGRAPH_TIMEOUT_MS default). */
  timeoutMs?: number;
  /** Labour's subgraph, to take real worker ids from; without it W-0000001..W-0000100 are used. */
  labourUrl?: string;
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

export const SOURCE_FIELDS = ['agency', 'system', 'recordId', 'recordedAt', 'recordedBy', 'updatedAt'] as const;
const FEDERATION_V2 = /^https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+$/;
const BATCH_DISTINCT = 20;
/** Workers whose records are sampled for `source`: enough that most agencies have some. */
const SAMPLE = 100;
const UNKNOWN_WORKER = 'W-9999999';

/**
 * The heuristic for sensitive personal data, applied to field names split into words
 * (`dateOfBirth` → "date of birth", `eShramUan` → "e shram uan") on every object type of the SDL
 * (input types cannot carry policies). A field whose name matches one of these, or whose
 * description says "sensitive", "personal data" or "Aadhaar", must be guarded.
 */
export const SENSITIVE: { words: RegExp; what: string }[] = [
  { words: /\b(phone|mobile|email|address)\b/, what: 'contact details' },
  { words: /\b(aadhaa?r|aadhar|uan|pan|passport|voter id|ration card|id reference)\b/, what: 'an identity number' },
  { words: /\b(account|iban|upi)\b/, what: 'a financial account' },
  { words: /\b(beneficiary|beneficiaries|child|children|spouse|mother|father|guardian|nominee|dependant|dependent)\b/, what: 'a household member' },
  { words: /\b(pregnan\w*|maternal|maternity|delivery date|pmmvy)\b/, what: 'maternal data' },
  { words: /\b(health|medical|diagnosis|disability|caste|religion)\b/, what: 'special-category data' },
  { words: /\b(full name|first name|last name|surname)\b/, what: "a person's name" },
];
/** `name` is a person's name on these types (elsewhere it names a centre, a CIG, a ward...). */
const PERSON_TYPES = /^(Worker|Person|Member|Beneficiary|Dependant|Dependent|Nominee|Child|Spouse|Patient|Applicant|Citizen)$/;
const SENSITIVE_DESCRIPTION = /\b(sensitive|personal data|aadhaa?r)\b/i;
/**
 * Quasi-identifiers: reported as a warning when unguarded, not a failure (the hub's own policy
 * table leaves a worker's date of birth open; an agency that calls one "Sensitive" in its
 * description gets it checked as above).
 */
export const QUASI_IDENTIFIERS = /\b(date of birth|dob|birth date|birthday)\b/;

/** Checks one running subgraph; never throws for anything the subgraph does. */
export async function verifyAgency(options: ConformanceOptions): Promise<ConformanceReport> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const http = new Prober(timeoutMs);
  const sealed = (query: string, variables?: Record<string, unknown>, label?: string) =>
    http.sealed(options.url, options.signer, options.agency, query, variables, label);

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
  const workerIds = await realWorkerIds(options, new Prober(timeoutMs));
  checks.push(await checkEntities(workerIds, sealed));
  checks.push(schema ? await checkSource(schema, options.agency, workerIds.ids, sealed) : noSdl('source'));
  checks.push(checkTimeout(http.calls, timeoutMs));
  return { url: options.url, agency: options.agency, ok: checks.every((c) => c.ok), checks, calls: http.calls };
}

/** One line per check, with its warnings indented below, and a summary line. */
export function formatReport(report: ConformanceReport): string[] {
  const width = Math.max(...report.checks.map((c) => c.name.length));
  const lines = [`Conformance of ${report.agency} at ${report.url}`];
  for (const check of report.checks) {
    lines.push(`${check.ok ? 'PASS' : 'FAIL'}  ${check.name.padEnd(width)}  ${check.detail}`);
    for (const warning of check.warnings) lines.push(`      ${' '.repeat(width)}  warning: ${warning}`);
  }
  const passed = report.checks.filter((c) => c.ok).length;
  lines.push(`${passed} of ${report.checks.length} checks passed${report.ok ? '' : `: ${report.agency} does not conform yet`}.`);
  return lines;
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

// ---------------------------------------------------------------------------------------------
// HTTP

interface Answer {
  label: string;
  status?: number;
  json?: any;
  /** Why there is no answer: unreachable, timed out, not JSON. */
  failure?: string;
}

class Prober {
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

async function sealHeaders(signer: MemberKey, audience: string, body: string): Promise<Record<string, string>> {
  return { [SEAL_HEADER]: await sealCall(signer, { caller: VERIFIER, audience, body, kind: 'graphql' }) };
}

function errorCodes(answer: Answer): string[] {
  const errors = answer.json?.errors;
  return Array.isArray(errors) ? errors.map((e: any) => String(e?.extensions?.code ?? 'NO_CODE')) : [];
}

function firstError(answer: Answer): string {
  if (answer.failure) return answer.failure;
  const error = answer.json?.errors?.[0];
  if (error) return `HTTP ${answer.status}, ${error.extensions?.code ?? 'no code'}: ${String(error.message).slice(0, 160)}`;
  return `HTTP ${answer.status}`;
}

function result(name: CheckName, problems: string[], passDetail: string, warnings: string[]): CheckResult {
  return problems.length ? { name, ok: false, detail: problems.join('; '), warnings } : { name, ok: true, detail: passDetail, warnings };
}

// ---------------------------------------------------------------------------------------------
// 1. The seal

async function checkSeal(options: ConformanceOptions, http: Prober): Promise<CheckResult> {
  const query = '{ _service { sdl } }';
  const body = JSON.stringify({ query });
  const stranger = (await generateMemberKey(options.signer.member)).key;
  const otherAgency = `not-${options.agency}`;
  // The replay probe sends a seal the kit has already used once, successfully or not.
  const used = await sealHeaders(options.signer, options.agency, body);
  await http.send(options.url, 'the first use of a seal', { headers: used, body });
  const probes: { what: string; headers: Record<string, string> }[] = [
    { what: 'an unsealed call', headers: {} },
    { what: 'a call sealed with a key the agency does not trust', headers: await sealHeaders(stranger, options.agency, body) },
    { what: `a call sealed for another agency (aud "${otherAgency}")`, headers: await sealHeaders(options.signer, otherAgency, body) },
    { what: 'a call sealed for another request body', headers: await sealHeaders(options.signer, options.agency, JSON.stringify({ query: '{ __typename }' })) },
    { what: 'a seal sent a second time', headers: used },
  ];
  const problems: string[] = [];
  let unanswered = 0;
  for (const probe of probes) {
    const answer = await http.send(options.url, `${probe.what}`, { headers: probe.headers, body });
    if (answer.failure && answer.status === undefined) {
      // An unreachable service is said once, not once per probe.
      if (unanswered++ === 0) problems.push(`${probe.what}: ${answer.failure}`);
      continue;
    }
    const refused = answer.status === 401 || errorCodes(answer).includes('UNAUTHENTICATED');
    const data = answer.json?.data;
    const leaked = data != null && typeof data === 'object' && Object.values(data).some((v) => v != null);
    if (leaked) problems.push(`${probe.what} was answered with data`);
    else if (!refused) problems.push(`${probe.what} was not refused as UNAUTHENTICATED (${firstError(answer)})`);
  }
  if (unanswered > 1) problems.push(`${unanswered - 1} more probe(s) alike`);
  const warnings: string[] = [];
  const healthUrl = new URL('/health', options.url).toString();
  const health = await http.send(healthUrl, 'GET /health', { method: 'GET' });
  if (health.status !== 200) warnings.push(`${healthUrl} ${health.failure ?? `answered HTTP ${health.status}`}; load balancers expect 200 there`);
  return result('seal', problems, 'refuses unsealed calls and seals of another key, another agency and another body (401)', warnings);
}

// ---------------------------------------------------------------------------------------------
// 2. _service { sdl }

function parseSdl(sdl: string): { document: DocumentNode } | { error: string } {
  try {
    return { document: parse(sdl) };
  } catch (error) {
    return { error: `the SDL does not parse: ${(error as Error).message}` };
  }
}

function checkService(answer: Answer, parsed: { document: DocumentNode } | { error: string } | undefined): CheckResult {
  if (!parsed) return result('service', [`sealed _service { sdl } was not answered (${firstError(answer)})${sealHint(answer)}`], '', []);
  if ('error' in parsed) return result('service', [parsed.error], '', []);
  const { document } = parsed;
  const problems: string[] = [];
  const links = schemaDirectives(document).filter((d) => d.name.value === 'link').map((d) => stringArgument(d, 'url'));
  const federation = links.find((url) => url && FEDERATION_V2.test(url));
  if (!federation) problems.push('no @link to Federation v2 (https://specs.apollo.dev/federation/v2.x): a Federation 1 schema cannot join');
  else {
    try {
      buildSubgraphSchema([{ typeDefs: document }]);
    } catch (error) {
      problems.push(`not a valid Federation 2 subgraph schema: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  const index = new SchemaIndex(document);
  const worker = index.objects.get('Worker');
  const key = worker?.directives.find((d) => d.name.value === 'key' && normaliseFields(stringArgument(d, 'fields')) === 'id');
  if (!worker) problems.push('no Worker type: an agency adds its fields to Worker by @key(fields: "id")');
  else if (!key) problems.push('Worker has no @key(fields: "id")');
  else if (booleanArgument(key, 'resolvable') === false) problems.push('Worker\'s @key(fields: "id") is resolvable: false, so the gateway cannot fetch its fields');
  const version = federation?.split('/').pop();
  return result('service', problems, `serves a Federation ${version?.slice(1)} subgraph SDL extending Worker @key(fields: "id")`, []);
}

function sealHint(answer: Answer): string {
  if (answer.status === 401 || errorCodes(answer).includes('UNAUTHENTICATED')) {
    return ': it refused the seal; is --name its registered name (the seal\'s audience), and does its trust file accept this hub\'s gateway key (members/gateway.jwks.json) for graphql calls?';
  }
  return '';
}

// ---------------------------------------------------------------------------------------------
// What a schema document declares, with type extensions merged into their types

interface ObjectInfo {
  name: string;
  fields: FieldDefinitionNode[];
  directives: readonly ConstDirectiveNode[];
}

class SchemaIndex {
  readonly objects = new Map<string, ObjectInfo>();
  readonly queryType: string;
  readonly mutationType: string;
  readonly accessDefined: boolean;
  readonly accessImported: boolean;

  constructor(readonly document: DocumentNode) {
    let query = 'Query';
    let mutation = 'Mutation';
    let defined = false;
    for (const definition of document.definitions) {
      switch (definition.kind) {
        case Kind.OBJECT_TYPE_DEFINITION:
        case Kind.OBJECT_TYPE_EXTENSION:
        case Kind.INTERFACE_TYPE_DEFINITION:
        case Kind.INTERFACE_TYPE_EXTENSION: {
          const name = definition.name.value;
          const info = this.objects.get(name) ?? { name, fields: [], directives: [] };
          info.fields.push(...(definition.fields ?? []));
          info.directives = [...info.directives, ...(definition.directives ?? [])];
          this.objects.set(name, info);
          break;
        }
        case Kind.SCHEMA_DEFINITION:
        case Kind.SCHEMA_EXTENSION:
          for (const operation of definition.operationTypes ?? []) {
            if (operation.operation === 'query') query = operation.type.name.value;
            if (operation.operation === 'mutation') mutation = operation.type.name.value;
          }
          break;
        case Kind.DIRECTIVE_DEFINITION:
          if (definition.name.value === 'access') defined = true;
          break;
        default:
          break;
      }
    }
    this.queryType = query;
    this.mutationType = mutation;
    this.accessDefined = defined;
    this.accessImported = schemaDirectives(document).some(
      (d) => d.name.value === 'link' && listArgument(d, 'import').some((name) => name === '@access'),
    );
  }

  /** The agency's own object types: not federation's (`_Service`) nor link's. */
  ownObjects(): ObjectInfo[] {
    return [...this.objects.values()].filter((t) => !t.name.startsWith('_') && !t.name.includes('__'));
  }

  /** Fields of the agency's own: not `_entities`, `_service`, `__typename`. */
  ownFields(type: ObjectInfo): FieldDefinitionNode[] {
    return type.fields.filter((f) => !f.name.value.startsWith('_'));
  }

  isRoot(name: string): boolean {
    return name === this.queryType || name === this.mutationType;
  }

  /** The resolvable `@key`s of a type (references to other agencies' types say `resolvable: false`). */
  resolvableKeys(type: ObjectInfo): ConstDirectiveNode[] {
    return type.directives.filter((d) => d.name.value === 'key' && booleanArgument(d, 'resolvable') !== false);
  }
}

function schemaDirectives(document: DocumentNode): readonly ConstDirectiveNode[] {
  return document.definitions.flatMap((d) => (d.kind === Kind.SCHEMA_DEFINITION || d.kind === Kind.SCHEMA_EXTENSION ? (d.directives ?? []) : []));
}

function argumentValue(directive: ConstDirectiveNode, name: string) {
  return directive.arguments?.find((a) => a.name.value === name)?.value;
}

function stringArgument(directive: ConstDirectiveNode, name: string): string | undefined {
  const value = argumentValue(directive, name);
  return value?.kind === Kind.STRING ? value.value : undefined;
}

function booleanArgument(directive: ConstDirectiveNode, name: string): boolean | undefined {
  const value = argumentValue(directive, name);
  return value?.kind === Kind.BOOLEAN ? value.value : undefined;
}

function listArgument(directive: ConstDirectiveNode, name: string): string[] {
  const value = argumentValue(directive, name);
  if (!value) return [];
  const items = value.kind === Kind.LIST ? value.values : [value];
  return items.flatMap((item) => {
    if (item.kind === Kind.STRING) return [item.value];
    if (item.kind === Kind.OBJECT) {
      const named = item.fields.find((f) => f.name.value === 'name')?.value;
      return named?.kind === Kind.STRING ? [named.value] : [];
    }
    return [];
  });
}

function normaliseFields(fields: string | undefined): string | undefined {
  return fields?.trim().replace(/\s+/g, ' ');
}

function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}

function hasAccess(field: FieldDefinitionNode): boolean {
  return field.directives?.some((d) => d.name.value === 'access') ?? false;
}

// ---------------------------------------------------------------------------------------------
// 3. Access policies

/** `dateOfBirth` → "date of birth", `eShramUan` → "e shram uan", `PAN` → "pan". */
export function nameWords(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/[_\-\s]+/g, ' ')
    .trim()
    .toLowerCase();
}

/** Why a field of `typeName` counts as sensitive personal data, or undefined. */
export function sensitiveReason(typeName: string, field: Pick<FieldDefinitionNode, 'name' | 'description'>): string | undefined {
  const words = nameWords(field.name.value);
  const match = SENSITIVE.find((s) => s.words.test(words));
  if (match) return match.what;
  if (words === 'name' && PERSON_TYPES.test(typeName)) return "a person's name";
  if (field.description && SENSITIVE_DESCRIPTION.test(field.description.value)) return 'described as sensitive';
  return undefined;
}

/**
 * How a sensitive field is guarded, or undefined when it is not:
 * - `own`: it carries `@access` itself;
 * - `contents`: it is an object whose every field carries `@access` (Worker.idReference);
 * - `container`: every field of this SDL that leads to its type carries `@access` (or lies in a
 *   type so guarded, recursively), as ICDS guards IcdsEnrolment by Worker.icdsEnrolments and
 *   Query.icdsEnrolment. Never for Worker, which every agency reaches by its key.
 */
function guardOf(schema: SchemaIndex, type: ObjectInfo, field: FieldDefinitionNode): 'own' | 'contents' | 'container' | undefined {
  if (hasAccess(field)) return 'own';
  const target = schema.objects.get(namedType(field.type));
  if (target && schema.ownFields(target).length && schema.ownFields(target).every(hasAccess)) return 'contents';
  if (typeGuarded(schema, type.name, new Set())) return 'container';
  return undefined;
}

function typeGuarded(schema: SchemaIndex, typeName: string, visiting: Set<string>): boolean {
  if (typeName === 'Worker' || schema.isRoot(typeName) || visiting.has(typeName)) return false;
  visiting.add(typeName);
  const leadingHere = schema
    .ownObjects()
    .flatMap((parent) => schema.ownFields(parent).filter((f) => namedType(f.type) === typeName).map((f) => ({ parent, field: f })));
  const guarded = leadingHere.length > 0 && leadingHere.every(({ parent, field }) => hasAccess(field) || typeGuarded(schema, parent.name, visiting));
  visiting.delete(typeName);
  return guarded;
}

function checkAccess(schema: SchemaIndex): CheckResult {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (!schema.accessDefined && !schema.accessImported) {
    problems.push('@access is neither defined (`directive @access(allow: [String!]!, mask: String) on FIELD_DEFINITION`) nor imported by @link');
  }
  try {
    policiesIn(schema.document);
  } catch (error) {
    problems.push((error as Error).message);
  }
  const mutation = schema.objects.get(schema.mutationType);
  const openMutations = mutation ? schema.ownFields(mutation).filter((f) => !hasAccess(f)) : [];
  if (openMutations.length) problems.push(`mutations without @access: ${openMutations.map((f) => `${mutation!.name}.${f.name.value}`).join(', ')}`);
  const unkeyed = mutation ? schema.ownFields(mutation).filter((f) => !takesIdempotencyKey(f)) : [];
  if (unkeyed.length) {
    problems.push(`mutations without an optional \`${IDEMPOTENCY_KEY_ARGUMENT}: ID\` argument (so a retry cannot write twice): ${unkeyed.map((f) => `${mutation!.name}.${f.name.value}`).join(', ')}`);
  }

  const unguarded: string[] = [];
  const byContainer: string[] = [];
  const quasi: string[] = [];
  let sensitiveCount = 0;
  for (const type of schema.ownObjects()) {
    if (type.name === schema.mutationType) continue;
    for (const field of schema.ownFields(type)) {
      const where = `${type.name}.${field.name.value}`;
      const reason = sensitiveReason(type.name, field);
      if (!reason) {
        if (QUASI_IDENTIFIERS.test(nameWords(field.name.value)) && !guardOf(schema, type, field)) quasi.push(where);
        continue;
      }
      sensitiveCount++;
      const guard = guardOf(schema, type, field);
      if (!guard) unguarded.push(`${where} (${reason})`);
      else if (guard === 'container' && schema.resolvableKeys(type).length) byContainer.push(where);
    }
  }
  if (unguarded.length) problems.push(`sensitive fields without @access: ${unguarded.join(', ')}`);
  if (byContainer.length) {
    const types = [...new Set(byContainer.map((w) => w.split('.')[0]))].join(', ');
    warnings.push(
      `${byContainer.join(', ')} are guarded only by the fields that lead to ${types}; as entities they can also be fetched by key, so a policy on each field is safer`,
    );
  }
  if (quasi.length) warnings.push(`${quasi.join(', ')} (date of birth, a quasi-identifier) ${quasi.length === 1 ? 'carries' : 'carry'} no @access`);
  const mutations = mutation ? schema.ownFields(mutation).length : 0;
  return result('access', problems, `@access declared; ${sensitiveCount} sensitive field(s) guarded; ${mutations} mutation(s), each with a policy and an ${IDEMPOTENCY_KEY_ARGUMENT}`, warnings);
}

/** The argument every mutation takes (src/shared/idempotency.ts; kept here so the kit needs no ORM). */
const IDEMPOTENCY_KEY_ARGUMENT = 'idempotencyKey';

/** `idempotencyKey: ID`, optional: clients that send no key keep working. */
function takesIdempotencyKey(field: FieldDefinitionNode): boolean {
  const argument = field.arguments?.find((a) => a.name.value === IDEMPOTENCY_KEY_ARGUMENT);
  return argument?.type.kind === Kind.NAMED_TYPE && argument.type.name.value === 'ID';
}

// ---------------------------------------------------------------------------------------------
// 4. Batched _entities

interface WorkerIds {
  ids: string[];
  from: string;
}

async function realWorkerIds(options: ConformanceOptions, http: Prober): Promise<WorkerIds> {
  const fallback = Array.from({ length: SAMPLE }, (_, i) => `W-${String(i + 1).padStart(7, '0')}`);
  if (!options.labourUrl) return { ids: fallback, from: 'W-0000001..W-0000020' };
  const answer = await http.sealed(options.labourUrl, options.signer, 'labour', `{ workers(first: ${SAMPLE}) { edges { node { id } } } }`, undefined, 'Labour: workers');
  const ids: unknown = answer.json?.data?.workers?.edges?.map((e: any) => e?.node?.id);
  if (Array.isArray(ids) && ids.length && ids.every((id) => typeof id === 'string')) return { ids: ids as string[], from: 'Labour' };
  return { ids: fallback, from: `W-0000001..W-0000020 (Labour did not answer: ${firstError(answer)})` };
}

/** 25 representations: the ids, four of them again, and one unknown id, interleaved. */
export function batchRepresentations(ids: string[]): string[] {
  const base = ids.slice(0, BATCH_DISTINCT);
  const repeated = [base[0], base[1], base[2], base[0]].filter((id): id is string => id !== undefined);
  const batch = [...base];
  batch.splice(Math.min(5, batch.length), 0, repeated[0]!);
  batch.splice(Math.floor(batch.length / 2), 0, UNKNOWN_WORKER);
  batch.push(...repeated.slice(1));
  return batch;
}

type Sealed = (query: string, variables?: Record<string, unknown>, label?: string) => Promise<Answer>;

const ENTITIES = 'query Conformance($representations: [_Any!]!) { _entities(representations: $representations) { __typename ... on Worker { id } } }';

async function checkEntities(workers: WorkerIds, sealed: Sealed): Promise<CheckResult> {
  const batch = batchRepresentations(workers.ids);
  const representations = batch.map((id) => ({ __typename: 'Worker', id }));
  const answer = await sealed(ENTITIES, { representations }, `_entities (${batch.length} representations)`);
  const entities: unknown = answer.json?.data?._entities;
  if (!Array.isArray(entities)) return result('entities', [`_entities was not answered (${firstError(answer)})${sealHint(answer)}`], '', []);
  const problems: string[] = [];
  if (entities.length !== batch.length) problems.push(`${entities.length} entries answered for ${batch.length} representations`);
  const misplaced = entities
    .map((entity: any, i) => ({ entity, i }))
    .filter(({ entity, i }) => entity != null && (entity.id !== batch[i] || (entity.__typename && entity.__typename !== 'Worker')));
  if (misplaced.length) {
    const { entity, i } = misplaced[0]!;
    problems.push(`order not kept: entry ${i} is ${entity.__typename ?? '?'} ${entity.id ?? '(no id)'}, representation ${i} was ${batch[i]} (${misplaced.length} misplaced)`);
  }
  const byId = new Map<string, boolean>();
  for (const [i, id] of batch.entries()) {
    const found = entities[i] != null;
    if (byId.has(id) && byId.get(id) !== found) problems.push(`${id}, asked twice, was answered once and null once`);
    byId.set(id, found);
  }
  const unexpected = errorCodes(answer).filter((code) => code !== 'NOT_FOUND');
  if (unexpected.length) problems.push(`errors other than NOT_FOUND: ${[...new Set(unexpected)].join(', ')} (${firstError(answer)})`);
  const resolved = entities.filter((e) => e != null).length;
  const warnings = resolved === 0 ? ['no representation was resolved (all null): does it return a Worker for ids it has no records about?'] : [];
  if (workers.from.includes('did not answer')) warnings.push(`worker ids: ${workers.from}`);
  const source = workers.from.includes('did not answer') ? 'W-0000001..W-0000020' : workers.from;
  return result(
    'entities',
    problems,
    `one call, ${batch.length} representations (ids from ${source}, 4 repeated, 1 unknown): ${batch.length} entries in order, ${resolved} resolved`,
    warnings,
  );
}

// ---------------------------------------------------------------------------------------------
// 5. source on records

function checkSourceShape(schema: SchemaIndex): string[] {
  const problems: string[] = [];
  const keyed = schema.ownObjects().filter((t) => t.name !== 'Worker' && schema.resolvableKeys(t).length);
  const missing = keyed.filter((t) => {
    const source = t.fields.find((f) => f.name.value === 'source');
    return !source || source.type.kind !== Kind.NON_NULL_TYPE || namedType(source.type) !== 'Source';
  });
  if (missing.length) problems.push(`keyed types without \`source: Source!\`: ${missing.map((t) => t.name).join(', ')}`);
  const sourceType = schema.objects.get('Source');
  const needsSource = keyed.length > 0 || schema.objects.get('Worker')?.fields.some((f) => f.name.value === 'source');
  if (needsSource) {
    if (!sourceType) problems.push('no Source type');
    else {
      const absent = SOURCE_FIELDS.filter((name) => !sourceType.fields.some((f) => f.name.value === name));
      if (absent.length) problems.push(`Source lacks ${absent.join(', ')}`);
    }
  }
  return problems;
}

/** Worker fields whose records carry `source` and can be asked without arguments. */
function recordFieldsOfWorker(schema: SchemaIndex): string[] {
  const worker = schema.objects.get('Worker');
  if (!worker) return [];
  return schema.ownFields(worker).flatMap((field) => {
    if (field.arguments?.some((a) => a.type.kind === Kind.NON_NULL_TYPE && !a.defaultValue)) return [];
    const target = schema.objects.get(namedType(field.type));
    return target && target.fields.some((f) => f.name.value === 'source') && namedType(field.type) !== 'Source' ? [field.name.value] : [];
  });
}

async function checkSource(schema: SchemaIndex, agency: string, ids: string[], sealed: Sealed): Promise<CheckResult> {
  const problems = checkSourceShape(schema);
  const keyedCount = schema.ownObjects().filter((t) => t.name !== 'Worker' && schema.resolvableKeys(t).length).length;
  const sourceSelection = `source { ${SOURCE_FIELDS.join(' ')} }`;
  const workerHasSource = schema.objects.get('Worker')?.fields.some((f) => f.name.value === 'source') ?? false;
  const fields = recordFieldsOfWorker(schema);
  const selections = [...(workerHasSource ? [sourceSelection] : []), ...fields.map((f) => `${f} { ${sourceSelection} }`)];
  if (!selections.length || problems.length) {
    return result('source', problems, `${keyedCount} keyed type(s), each with source: Source!; Worker has no records of this agency to sample`, []);
  }
  const query = `query ConformanceSource($representations: [_Any!]!) { _entities(representations: $representations) { ... on Worker { id ${selections.join(' ')} } } }`;
  const representations = ids.slice(0, SAMPLE).map((id) => ({ __typename: 'Worker', id }));
  const answer = await sealed(query, { representations }, `_entities with source (${representations.length} workers)`);
  const entities: unknown = answer.json?.data?._entities;
  if (!Array.isArray(entities)) return result('source', [`_entities with source was not answered (${firstError(answer)})`], '', []);
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
    if (workerHasSource) inspect(`Worker ${entity.id}`, entity);
    for (const field of fields) {
      const value = entity[field];
      for (const [i, record] of (Array.isArray(value) ? value : [value]).entries()) inspect(`Worker ${entity.id}.${field}${Array.isArray(value) ? `[${i}]` : ''}`, record);
    }
  }
  if (wrong.length) problems.push(`expected source.agency "${agency}": ${wrong.slice(0, 3).join(', ')}${wrong.length > 3 ? ` (${wrong.length} in all)` : ''}`);
  const warnings = denied ? [`${denied} field(s) refused to an auditor, so not sampled`] : [];
  if (!records) warnings.push(`none of the ${representations.length} workers asked about has a record here, so no source was sampled`);
  const sampled = [...(workerHasSource ? ['Worker'] : []), ...fields.map((f) => `Worker.${f}`)].join(', ');
  return result('source', problems, `${keyedCount} keyed type(s), each with source: Source!; ${records} record(s) of ${sampled} name "${agency}"`, warnings);
}

// ---------------------------------------------------------------------------------------------
// 6. Timeout

function checkTimeout(calls: TimedCall[], timeoutMs: number): CheckResult {
  const late = calls.filter((c) => !c.inTime);
  if (!calls.length) return result('timeout', ['no call was made'], '', []);
  if (!late.length && !calls.some((c) => c.answered)) return result('timeout', ['no call was answered'], '', []);
  const slowest = calls.reduce((a, b) => (b.ms > a.ms ? b : a));
  const problems = late.length ? [`no answer within ${timeoutMs} ms to: ${late.map((c) => c.label).join(', ')}`] : [];
  return result('timeout', problems, `${calls.length} calls, each within ${timeoutMs} ms; slowest ${slowest.ms} ms (${slowest.label})`, []);
}
