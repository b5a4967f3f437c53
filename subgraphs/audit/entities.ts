import { ArrayType, defineEntity, p, type InferEntity, type Platform, type TransformContext } from '@mikro-orm/core';

/**
 * A `text[]` column that keeps every string exactly as given, so an entry reads back as its hash
 * took it: each element is quoted and escaped in the array literal. (MikroORM's own array type
 * leaves plain-looking elements bare, so PostgreSQL would read a `NULL` as null and trim spaces,
 * and it escapes in JSON's way, so a newline would come back as `n`.)
 */
class ExactTextArrayType extends ArrayType<string> {
  override convertToDatabaseValue(value: string[] | null, platform: Platform, context?: TransformContext): string | null {
    if (!Array.isArray(value)) return super.convertToDatabaseValue(value, platform, context);
    return `{${value.map((element) => `"${String(element).replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
  }
}

const textArray = () => p.type(ExactTextArrayType);

/** One request through the gateway, as the access log keeps it (append-only, hash-chained). */
export const AccessLogEntrySchema = defineEntity({
  name: 'AccessLogEntry',
  tableName: 'access_log',
  properties: {
    // `id` is the entry's place in the chain; keyset paging orders by it.
    id: p.bigint('string').primary().fieldName('seq'),
    requestId: p.uuid(),
    at: p.datetime(),
    callerAgency: p.string().nullable(),
    callerSubject: p.string().nullable(),
    callerRole: p.string().nullable(),
    callerJurisdiction: p.string().nullable(),
    purpose: p.string().nullable(),
    operationType: p.string().nullable(),
    operationName: p.string().nullable(),
    documentHash: p.string().nullable(),
    workerIds: textArray(),
    subgraphs: textArray(),
    outcome: p.string(),
    errorCodes: textArray(),
    durationMs: p.integer(),
    previousHash: p.string().fieldName('prev_hash'),
    hash: p.string(),
  },
});

export type AccessLogEntry = InferEntity<typeof AccessLogEntrySchema>;

/**
 * The gateway's signature over one group-commit batch of entries, `firstSeq`–`lastSeq` ending in
 * `lastHash`, written in the entries' transaction. A log that had entries before it was signed
 * keeps them as one batch from entry 1 without a key or signature.
 */
export const AccessLogSignatureSchema = defineEntity({
  name: 'AccessLogSignature',
  tableName: 'access_log_signature',
  properties: {
    firstSeq: p.bigint('number').primary(),
    lastSeq: p.bigint('number'),
    lastHash: p.string(),
    keyId: p.string().nullable(),
    signature: p.string().nullable(),
    signedAt: p.datetime().defaultRaw('now()'),
  },
});

export type AccessLogSignature = InferEntity<typeof AccessLogSignatureSchema>;
