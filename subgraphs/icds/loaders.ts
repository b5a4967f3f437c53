import type { EntityManager } from '@mikro-orm/postgresql';
import { keysInCities } from '../../src/shared/access/rows.js';
import { cityCondition, type Caller } from '../../src/shared/access/caller.js';
import { today } from '../../src/shared/dates.js';
import { declaredFacts, factsLoader } from '../../src/shared/facts.js';
import { historyLoader } from '../../src/shared/history.js';
import { manyByKey, oneByKey, readRows } from '../../src/shared/loaders.js';
import { loadSchema } from '../../src/shared/subgraph.js';
import { AnganwadiCentreSchema, IcdsEnrolmentSchema } from './entities.js';
import { facts } from './statistics.js';

/** The facts ICDS's schema declares (the fields of `Worker.icdsFacts`), with their policies. */
const ICDS_FACTS = declaredFacts('icds', loadSchema(__dirname));

/**
 * Built once per request, so batching and caching never leak between callers. Every query is
 * limited to the caller's jurisdiction: a centre outside it, and every enrolment at such a
 * centre, loads as if it did not exist.
 */
export function createLoaders(em: EntityManager, caller: Caller) {
  const where = jurisdictionFilters(em, caller);
  return {
    centreById: oneByKey(
      (ids: string[]) => readRows(em, AnganwadiCentreSchema, { id: { $in: ids }, ...where.centre() }),
      (centre) => centre.id,
    ),
    enrolmentsByWorker: manyByKey(
      (workerIds: string[]) =>
        readRows(em, IcdsEnrolmentSchema, { workerId: { $in: workerIds }, ...where.enrolment() }, { orderBy: { enrolledOn: 'asc', id: 'asc' } }),
      (enrolment) => enrolment.workerId,
    ),
    enrolmentById: oneByKey(
      (ids: string[]) => readRows(em, IcdsEnrolmentSchema, { id: { $in: ids }, ...where.enrolment() }),
      (enrolment) => enrolment.id,
    ),
    // Keyed `<table>:<record key>`. No column needs masking: an enrolment's history carries the
    // same policy as the enrolment itself (ICDS staff and auditors), and a centre holds nothing private.
    history: historyLoader(em, caller),
    // A worker's facts as of today, answered by the same queries as the single window's bulk questions.
    facts: factsLoader(em, caller, ICDS_FACTS, facts, today),
  };
}

export type IcdsLoaders = ReturnType<typeof createLoaders>;

/**
 * The extra conditions that keep each table inside the caller's jurisdiction (none for a
 * national caller). A centre carries its city; an enrolment lies in its centre's city, so it is
 * limited by a subquery on `anganwadi_centre.city_code` (indexed), which keeps each loader batch
 * to one statement.
 */
export function jurisdictionFilters(em: EntityManager, caller: Caller) {
  const cities = cityCondition(caller);
  const none = () => ({});
  if (!cities) return { centre: none, enrolment: none };
  const centresInJurisdiction = () => keysInCities(em, AnganwadiCentreSchema, cities);
  return {
    centre: () => ({ cityCode: cities }),
    enrolment: () => ({ centreId: { $in: centresInJurisdiction() } }),
  };
}
