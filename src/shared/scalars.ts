import { GraphQLScalarType, Kind } from 'graphql';
import { badInput, quoted } from './errors.js';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses `YYYY-MM-DD` into the same string, rejecting impossible dates such as 2024-02-30. */
export function parseIsoDate(value: unknown): string {
  if (typeof value !== 'string') throw dateError(value);
  const match = ISO_DATE.exec(value);
  if (!match) throw dateError(value);
  const [, y, m, d] = match.map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
    throw dateError(value);
  }
  return value;
}

function dateError(value: unknown) {
  return badInput(`${quoted(value)} is not a calendar date; use YYYY-MM-DD, e.g. 2024-11-01.`);
}

/** Serialises what PostgreSQL `date` columns give back (strings) or JS Dates. */
function serializeDate(value: unknown): string {
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return parseIsoDate(value);
}

export const DateScalar = new GraphQLScalarType({
  name: 'Date',
  description: 'A calendar date in ISO 8601 form, YYYY-MM-DD.',
  serialize: serializeDate,
  parseValue: parseIsoDate,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw dateError('(not a string)');
    return parseIsoDate(ast.value);
  },
});

export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  description: 'An instant in ISO 8601 form with a time zone, e.g. 2024-11-01T10:30:00.000Z.',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new TypeError(`Not a timestamp: ${String(value)}`);
    return date.toISOString();
  },
  parseValue(value) {
    const date = typeof value === 'string' ? new Date(value) : new Date(NaN);
    if (Number.isNaN(date.getTime())) {
      throw badInput(`${quoted(value)} is not an ISO 8601 timestamp.`);
    }
    return date;
  },
});

/** Resolver map entries every subgraph that uses the scalars spreads into its resolvers. */
export const scalarResolvers = { Date: DateScalar, DateTime: DateTimeScalar };
