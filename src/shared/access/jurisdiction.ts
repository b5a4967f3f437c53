/**
 * The one rule for a write that names something outside the caller's jurisdiction, for every
 * agency:
 *
 *  - A write is judged first by the PLACE it names, as the caller sent it: a city, a ward, or an
 *    id that carries its place (`AWC-VJA-0001`, `VZ-VJA-0001`, `AS-VJA-0001`, `VJA-W07`, an RTO
 *    in a licence number). A place outside the jurisdiction is FORBIDDEN, and the answer is the
 *    same whether or not a record with that id exists there: the answer is computed from the
 *    input and the published list of places alone, never from another jurisdiction's records.
 *  - A RECORD the write names by an id that carries no place (a worker, a CIG, an enrolment) is
 *    looked up within the caller's jurisdiction only: one outside it is NOT_FOUND, exactly as an
 *    unknown id is.
 *
 * Why: which states, districts, cities and wards exist is public reference data, so telling a
 * caller "that place is not yours" (FORBIDDEN) teaches them nothing and tells them what to do
 * (ask the office there). Which records exist is not public: answering FORBIDDEN for a record
 * that exists elsewhere and NOT_FOUND for one that does not would let any officer probe another
 * jurisdiction's centres, zones, CIGs or workers one id at a time. So the difference between the
 * two codes depends only on what the caller sent, never on what is stored outside their reach.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { EntityName, FilterQuery, FindOneOptions } from '@mikro-orm/core';
import { notFound } from '../errors.js';
import { requireCity, type Caller } from './caller.js';

export { requireCity, requireWard } from './caller.js';

/**
 * The city (ULB code) an id names: `AWC-VJA-0001`, `VZ-VJA-0001` and `AS-VJA-0001` lie in VJA,
 * and so does ward `VJA-W07`. The id's shape is its agency's rule (checked before this).
 */
export function cityNamedBy(id: string): string {
  const parts = id.split('-');
  return /^W\d+$/.test(parts[1] ?? '') ? parts[0]! : (parts[1] ?? id);
}

/**
 * Refuses (FORBIDDEN) a write whose id names a place outside the caller's jurisdiction, before
 * anything is looked up: alike whether or not such a record exists.
 */
export function requirePlaceOf(caller: Caller, id: string, what: string): void {
  requireCity(caller, cityNamedBy(id), what);
}

/**
 * The one record matching `where` inside the caller's jurisdiction (`inJurisdiction`, the
 * agency's `jurisdictionFilters(...)` condition for that table), or NOT_FOUND naming `what` and
 * the id as the caller sent it: a record outside the jurisdiction is as unknown as a missing one.
 */
export async function findInJurisdiction<T extends object>(
  em: EntityManager,
  entity: EntityName<T>,
  where: FilterQuery<T>,
  inJurisdiction: object,
  missing: { what: string; id: string },
  options?: FindOneOptions<T>,
): Promise<T> {
  const found = await em.findOne(entity, { $and: [where, inJurisdiction] } as FilterQuery<T>, options as never);
  if (!found) throw notFound(missing.what, missing.id);
  return found as T;
}
