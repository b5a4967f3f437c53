import type { FilterQuery } from '@mikro-orm/core';
import { jurisdictionsWithin } from '../../src/shared/access/caller.js';
import { findPage } from '../../src/shared/pagination.js';
import { scalarResolvers } from '../../src/shared/scalars.js';
import { workerIdArg } from '../../src/shared/validation.js';
import { badInput } from '../../src/shared/errors.js';
import { AccessLogEntrySchema, type AccessLogEntry } from './entities.js';
import type { Resolvers } from './generated/resolvers.js';

export const resolvers: Resolvers = {
  DateTime: scalarResolvers.DateTime,

  Query: {
    accessLog(_, { filter, first, after }, { em, caller }) {
      const where: FilterQuery<AccessLogEntry> = {};
      const within = jurisdictionsWithin(caller.jurisdiction);
      if (within) where.callerJurisdiction = { $in: within };
      if (filter?.workerId) where.workerIds = { $contains: [workerIdArg(filter.workerId, 'workerId')] };
      if (filter?.callerAgency) where.callerAgency = filter.callerAgency;
      if (filter?.callerSubject) where.callerSubject = filter.callerSubject;
      if (filter?.outcome) where.outcome = filter.outcome.toLowerCase();
      if (filter?.from || filter?.to) {
        const from = filter.from ? new Date(filter.from) : undefined;
        const to = filter.to ? new Date(filter.to) : undefined;
        if (from && to && from >= to) throw badInput('"from" must be before "to".', 'to');
        where.at = { ...(from ? { $gte: from } : {}), ...(to ? { $lt: to } : {}) };
      }
      return findPage(em, AccessLogEntrySchema, where, { first, after });
    },
  },

  AccessLogEntry: {
    sequence: (entry) => String(entry.id),
    caller: (entry) =>
      entry.callerAgency
        ? { agency: entry.callerAgency, subject: entry.callerSubject!, role: entry.callerRole!, jurisdiction: entry.callerJurisdiction! }
        : null,
    outcome: (entry) => entry.outcome.toUpperCase() as never,
    at: (entry) => entry.at,
  },

  AccessLogConnection: {
    totalCount: (connection) => connection.totalCount(),
  },
};
