/**
 * Trusted documents: the registered operations (schema/operations/*.graphql), which codegen lists
 * in client/generated/persisted-documents.json as `{ "sha256:<hex>": "<normalized text>" }`, the
 * id being the SHA-256 of that text. A client sends a registered operation by its id instead of
 * its text, either way:
 *
 * - GraphQL over HTTP's persisted documents: `{ "documentId": "sha256:<hex>", "variables": ... }`
 *   (POST body, or `?documentId=` on a GET);
 * - Apollo's persisted-query extension: `{ "extensions": { "persistedQuery": { "version": 1,
 *   "sha256Hash": "<hex>" } }, "variables": ... }`.
 *
 * Roles in REGISTERED_OPERATIONS_ONLY_ROLES (analysts and services by default) run registered
 * operations only: by id, or as text that is a registered operation (whitespace, comments and
 * the order of fields aside). Anything else is refused with FORBIDDEN, `extensions.reason:
 * OPERATION_NOT_REGISTERED` (HTTP 403). Other roles may still send any text. Apollo's automatic
 * persisted queries (a cache any client can add to) stay off: an id the registry does not know
 * is refused, and its text must be sent instead.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { GraphQLRequest } from '@apollo/server';
import { printExecutableGraphQLDocument } from '@graphql-tools/documents';
import { GraphQLError, type DocumentNode } from 'graphql';
import { codedError, ConfigError, ErrorCode } from '../../src/shared/errors.js';
import { repoRoot } from '../../src/shared/config.js';

/** Written by `npm run codegen` from schema/operations/ (codegen.ts). */
export const TRUSTED_DOCUMENTS_FILE = path.join(repoRoot, 'client', 'generated', 'persisted-documents.json');

const ID = /^(?:sha256:)?([0-9a-f]{64})$/i;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export class TrustedDocuments {
  /** Registered text by the hex SHA-256 of that text. */
  private readonly byHash = new Map<string, string>();

  constructor(documents: Record<string, string>, source = 'the trusted documents') {
    for (const [id, text] of Object.entries(documents)) {
      const hash = ID.exec(id)?.[1]?.toLowerCase();
      if (!hash || typeof text !== 'string' || sha256(text) !== hash) {
        throw new ConfigError(`${source}: "${id}" is not sha256:<the SHA-256 of its document>. Run \`npm run codegen\` to write the list again.`);
      }
      this.byHash.set(hash, text);
    }
  }

  static fromFile(file = TRUSTED_DOCUMENTS_FILE): TrustedDocuments {
    let documents: Record<string, string>;
    try {
      documents = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    } catch (error) {
      throw new ConfigError(`Cannot read the trusted documents from ${file} (${(error as Error).message}). Run \`npm run codegen\`.`);
    }
    return new TrustedDocuments(documents, file);
  }

  get size(): number {
    return this.byHash.size;
  }

  /** Every registered operation, by id (`sha256:<hex>`). */
  entries(): [id: string, text: string][] {
    return [...this.byHash].map(([hash, text]) => [`sha256:${hash}`, text]);
  }

  /** The registered text for an id (`sha256:<hex>` or the bare hex), if registered. */
  text(id: string): string | undefined {
    const hash = ID.exec(id.trim())?.[1]?.toLowerCase();
    return hash ? this.byHash.get(hash) : undefined;
  }

  /** Whether a parsed operation is a registered one: its exact text, or the same once normalized. */
  isRegistered(source: string | undefined, document: DocumentNode): boolean {
    if (source !== undefined && this.byHash.has(sha256(source))) return true;
    return this.byHash.has(sha256(printExecutableGraphQLDocument(document)));
  }
}

/** The id a request names its document by, if any, in either convention. */
export function documentIdOf(request: GraphQLRequest): string | undefined {
  const body = request.http?.body;
  if (body && typeof body === 'object' && typeof (body as { documentId?: unknown }).documentId === 'string') return (body as { documentId: string }).documentId;
  const fromSearch = request.http?.search ? new URLSearchParams(request.http.search).get('documentId') : null;
  if (fromSearch) return fromSearch;
  const persisted = request.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined;
  return typeof persisted?.sha256Hash === 'string' ? persisted.sha256Hash : undefined;
}

export function operationNotRegistered(restricted: boolean, id?: string): GraphQLError {
  const message = id
    ? `No registered operation has the id "${id}".${restricted ? ' Your role runs registered operations only (schema/operations/).' : ' Send the operation\'s text instead.'}`
    : 'Your role runs registered operations only: send one of schema/operations/ by its id (`documentId`), or ask for your operation to be registered there.';
  return codedError(restricted ? ErrorCode.FORBIDDEN : ErrorCode.BAD_USER_INPUT, message, { reason: 'OPERATION_NOT_REGISTERED' }, 'ends-request');
}

/**
 * Puts a registered document's text in place of its id, before Apollo reads the request. Returns
 * the refusal of an id nobody registered (sent without text), for the caller to answer with.
 */
export function resolveDocumentId(request: GraphQLRequest, documents: TrustedDocuments, restricted: boolean): GraphQLError | undefined {
  const id = documentIdOf(request);
  if (id === undefined) return undefined;
  // The id is ours to resolve, not Apollo's (whose automatic persisted queries are off).
  if (request.extensions?.persistedQuery) {
    const { persistedQuery: _persistedQuery, ...rest } = request.extensions;
    request.extensions = rest;
  }
  const text = documents.text(id);
  // A registered id runs the registered text, whatever text came with it.
  if (text !== undefined) request.query = text;
  // An unknown id with text runs the text, as text (checked below like any other); without: refused.
  else if (!request.query) return operationNotRegistered(restricted, id);
  return undefined;
}
