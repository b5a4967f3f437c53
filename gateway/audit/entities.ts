import { defineEntity, type InferEntity } from '@mikro-orm/core';

const p = defineEntity.properties;

/** One request through the gateway, as the access log keeps it (append-only, hash-chained). */
export const AccessLogEntrySchema = defineEntity({
  name: 'AccessLogEntry',
  tableName: 'access_log',
  properties: {
    // `id` is the entry's place in the chain; keyset paging orders by it.
    id: p.bigint('string').primary().fieldName('seq'),
    requestId: p.uuid().fieldName('request_id'),
    at: p.datetime(),
    callerAgency: p.string().fieldName('caller_agency').nullable(),
    callerSubject: p.string().fieldName('caller_subject').nullable(),
    callerRole: p.string().fieldName('caller_role').nullable(),
    callerJurisdiction: p.string().fieldName('caller_jurisdiction').nullable(),
    purpose: p.string().nullable(),
    operationType: p.string().fieldName('operation_type').nullable(),
    operationName: p.string().fieldName('operation_name').nullable(),
    documentHash: p.string().fieldName('document_hash').nullable(),
    workerIds: p.array().fieldName('worker_ids'),
    subgraphs: p.array(),
    outcome: p.string(),
    errorCodes: p.array().fieldName('error_codes'),
    durationMs: p.integer().fieldName('duration_ms'),
    previousHash: p.string().fieldName('prev_hash'),
    hash: p.string(),
  },
});

export type AccessLogEntry = InferEntity<typeof AccessLogEntrySchema>;

