import type { EntityManager, EntitySchema } from '@mikro-orm/postgresql';
import { citiesOf, wardsOf, type Caller } from './caller.js';

/**
 * A subquery selecting the `key` of every `schema` row whose `city_code` lies in `cities`, for
 * records that take their place from a parent row (an enrolment from its centre, a licence from
 * its ward): `{ centreId: { $in: keysInCities(...) } }` keeps the jurisdiction filter inside the
 * loader's one statement. MikroORM takes a subquery wherever it takes a list; its types only know
 * lists. Build one per query: a query builder is not shared between statements.
 */
export function keysInCities(em: EntityManager, schema: EntitySchema<any, any>, cities: { $in: string[] }, key = 'id'): string[] {
  return keysWhere(em, schema, { cityCode: cities }, key);
}

/** As keysInCities, for parent rows matching any condition (a worker's city and ward). */
export function keysWhere(em: EntityManager, schema: EntitySchema<any, any>, where: object, key = 'id'): string[] {
  return em.createQueryBuilder(schema, 'parent').select(`parent.${key}`).where(where).getKnexQuery() as unknown as string[];
}

/**
 * The jurisdiction condition for hand-written SQL: ` and <column> in (?)` with its parameter, or
 * nothing for a national caller. `column` names a city code column of the statement.
 */
export function citySql(caller: Caller, column: string): { sql: string; params: unknown[] } {
  return inSql(column, citiesOf(caller.jurisdiction));
}

/**
 * The jurisdiction condition for rows placed in a city and a ward (Labour's workers): the city's,
 * and for a ward-level caller the ward's too.
 */
export function placeSql(caller: Caller, columns: { city: string; ward: string }): { sql: string; params: unknown[] } {
  const city = citySql(caller, columns.city);
  const ward = inSql(columns.ward, wardsOf(caller.jurisdiction));
  return { sql: city.sql + ward.sql, params: [...city.params, ...ward.params] };
}

/** ` and <column> in (?)`, ` and false` for no values, nothing for null (no limit). */
function inSql(column: string, values: string[] | null): { sql: string; params: unknown[] } {
  if (!values) return { sql: '', params: [] };
  return values.length ? { sql: ` and ${column} in (?)`, params: [values] } : { sql: ' and false', params: [] };
}
