import type { EntityManager, EntitySchema } from '@mikro-orm/postgresql';
import { citiesOf, type Caller } from './caller.js';

/**
 * A subquery selecting the `key` of every `schema` row whose `city_code` lies in `cities`, for
 * records that take their place from a parent row (an enrolment from its centre, a licence from
 * its ward): `{ centreId: { $in: keysInCities(...) } }` keeps the jurisdiction filter inside the
 * loader's one statement. MikroORM takes a subquery wherever it takes a list; its types only know
 * lists. Build one per query: a query builder is not shared between statements.
 */
export function keysInCities(em: EntityManager, schema: EntitySchema<any, any>, cities: { $in: string[] }, key = 'id'): string[] {
  return em.createQueryBuilder(schema, 'parent').select(`parent.${key}`).where({ cityCode: cities }).getKnexQuery() as unknown as string[];
}

/**
 * The jurisdiction condition for hand-written SQL: ` and <column> in (?)` with its parameter, or
 * nothing for a national caller. `column` names a city code column of the statement.
 */
export function citySql(caller: Caller, column: string): { sql: string; params: unknown[] } {
  const cities = citiesOf(caller.jurisdiction);
  if (!cities) return { sql: '', params: [] };
  return cities.length ? { sql: ` and ${column} in (?)`, params: [cities] } : { sql: ' and false', params: [] };
}
