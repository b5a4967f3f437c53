import { defineEntity, p, type InferEntity } from '@mikro-orm/core';


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
    workerIds: p.array(),
    subgraphs: p.array(),
    outcome: p.string(),
    errorCodes: p.array(),
    durationMs: p.integer(),
    previousHash: p.string().fieldName('prev_hash'),
    hash: p.string(),
  },
});

export type AccessLogEntry = InferEntity<typeof AccessLogEntrySchema>;

