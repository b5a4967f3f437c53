/**
 * Input rules shared by every agency. Each returns the cleaned value or throws BAD_USER_INPUT
 * naming the field, so resolvers validate at the edge before touching the database.
 */
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  getNamedType,
  isInputObjectType,
  isListType,
  isNonNullType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type ValueNode,
} from 'graphql';
import { addYears, today } from './dates.js';
import { badInput, ErrorCode, quoted } from './errors.js';
import { CITIES, cityByCode, OCCUPATIONS, wardCode } from './reference/index.js';

/**
 * Characters no text Worker Graph keeps may contain: C0 controls but tab, line feed and carriage
 * return (which text rules fold into spaces), DEL and the C1 controls, unpaired surrogates (a
 * broken UTF-16 string, which PostgreSQL would store altered), Unicode noncharacters (U+FFFE,
 * U+FFFF and the rest) and the bidirectional embeddings, overrides and isolates that make text
 * display differently from what it holds. Zero-width joiners, which Telugu and other Indic scripts
 * need, and the plain direction marks stay allowed.
 */
const UNSAFE_CHARACTER = /(?![\t\n\r])[\p{Cc}\p{Cs}\p{Noncharacter_Code_Point}\u202A-\u202E\u2066-\u2069]/u;

/** The first character of `text` no stored text may hold, described for a message, or undefined. */
export function unsafeCharacter(text: string): string | undefined {
  const match = UNSAFE_CHARACTER.exec(text);
  if (!match) return undefined;
  const point = match[0].codePointAt(0)!;
  const code = `U+${point.toString(16).toUpperCase().padStart(4, '0')}`;
  if (point === 0) return `a NUL character (${code})`;
  if (point >= 0xd800 && point <= 0xdfff) return `an unpaired surrogate (${code})`;
  if (point < 0x20 || (point >= 0x7f && point <= 0x9f)) return `a control character (${code})`;
  if ((point & 0xfffe) === 0xfffe || (point >= 0xfdd0 && point <= 0xfdef)) return `a Unicode noncharacter (${code})`;
  return `a bidirectional formatting character (${code})`;
}

/** `extensions.reason` of the BAD_USER_INPUT a text with an unsafe character gets. */
export const INVALID_CHARACTER = 'INVALID_CHARACTER';

function unsafeTextError(field: string, what: string) {
  return badInput(`${field} contains ${what}, which Worker Graph does not accept in text. Remove it and send again.`, field, {
    reason: INVALID_CHARACTER,
    // Raised before the operation runs, so it ends the request: 400, as a malformed variable does.
    http: { status: 400 },
  });
}

/** Refuses one text (a token's subject, a header) holding an unsafe character. */
export function cleanTextArg(value: string, field: string): string {
  const what = unsafeCharacter(value);
  if (what) throw unsafeTextError(field, what);
  return value;
}

/**
 * Input hygiene for a whole operation, in one place for every subgraph and the gateway: every
 * string the operation passes to a field argument, as a literal or through a variable, at any
 * depth of an input object or list, is checked for unsafe characters before any resolver runs.
 * The first one found is BAD_USER_INPUT with `extensions.field` naming its argument path, e.g.
 * `input.name` or `input.members[1].workerId`. Federation's `_Any` representations are data the
 * gateway got from a subgraph, not input, and are left to the subgraph that reads them.
 */
export function checkOperationText(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | undefined, operationName?: string | null): void {
  const typeInfo = new TypeInfo(schema);
  const values = variables ?? {};
  let inOperation = false;
  let found: { field: string; what: string } | undefined;

  const checkRaw = (value: unknown, type: GraphQLInputType | undefined, path: string): void => {
    if (found || value === null || value === undefined) return;
    if (type && isNonNullType(type)) return checkRaw(value, type.ofType, path);
    if (typeof value === 'string') {
      if (type && getNamedType(type).name === '_Any') return;
      const what = unsafeCharacter(value);
      if (what) found = { field: path, what };
      return;
    }
    if (Array.isArray(value)) {
      const item = type && isListType(type) ? type.ofType : type;
      value.forEach((element, i) => checkRaw(element, item, `${path}[${i}]`));
      return;
    }
    if (typeof value === 'object') {
      const named = type ? getNamedType(type) : undefined;
      if (named?.name === '_Any') return;
      const fields = named && isInputObjectType(named) ? named.getFields() : undefined;
      for (const [key, inner] of Object.entries(value as Record<string, unknown>)) checkRaw(inner, fields?.[key]?.type, `${path}.${key}`);
    }
  };

  const checkLiteral = (node: ValueNode, type: GraphQLInputType | undefined, path: string): void => {
    if (found) return;
    const unwrapped = type && isNonNullType(type) ? type.ofType : type;
    switch (node.kind) {
      case Kind.VARIABLE:
        return checkRaw(values[node.name.value], unwrapped, path);
      case Kind.STRING:
      case Kind.ENUM: {
        if (unwrapped && getNamedType(unwrapped).name === '_Any') return;
        const what = unsafeCharacter(node.value);
        if (what) found = { field: path, what };
        return;
      }
      case Kind.LIST: {
        const item = unwrapped && isListType(unwrapped) ? unwrapped.ofType : unwrapped;
        node.values.forEach((element, i) => checkLiteral(element, item, `${path}[${i}]`));
        return;
      }
      case Kind.OBJECT: {
        const named = unwrapped ? getNamedType(unwrapped) : undefined;
        const fields = named && isInputObjectType(named) ? named.getFields() : undefined;
        for (const field of node.fields) checkLiteral(field.value, fields?.[field.name.value]?.type, `${path}.${field.name.value}`);
        return;
      }
      default:
        return;
    }
  };

  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      OperationDefinition: {
        enter(node) {
          inOperation = !operationName || node.name?.value === operationName;
          if (!inOperation) return false;
          return undefined;
        },
        leave() {
          inOperation = false;
        },
      },
      FragmentDefinition: {
        enter() {
          inOperation = true;
        },
        leave() {
          inOperation = false;
        },
      },
      Argument(node) {
        if (!inOperation || found) return;
        // Arguments of fields only: directive arguments (@include(if:)) take no text.
        if (typeInfo.getDirective()) return;
        checkLiteral(node.value, typeInfo.getArgument()?.type, node.name.value);
      },
    }),
  );
  if (found) throw unsafeTextError(found.field, found.what);
}

/**
 * The input and error contract as one Apollo Server plugin, the same for the gateway and every
 * subgraph (a direct caller of a subgraph meets it too):
 *  - input hygiene (checkOperationText) once the operation is known, before anything runs (at
 *    the gateway the guards run it, before the field check admits the operation, so that a
 *    refused mutation never gets a 'started' access-log entry);
 *  - the HTTP status: a `subgraph` answers 200 whenever it ran the operation, since its errors
 *    ride in the body for the gateway to pass on (a resolver's FORBIDDEN must not turn the
 *    answer into a failed fetch); the `gateway` answers 403 when a refusal (FORBIDDEN) is all the
 *    caller got, and 200 when any root field carries data.
 */
export function contractPlugin<TContext extends BaseContext>(side: 'gateway' | 'subgraph'): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request, operationName }) {
          if (side === 'subgraph') checkOperationText(schema, document, request.variables, operationName);
        },
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          if (!('data' in result) || result.data === undefined) return; // refused before running: its own status stands
          const answered = result.data !== null && Object.values(result.data).some((value) => value !== null);
          const refused = (result.errors ?? []).some((error) => error.extensions?.code === ErrorCode.FORBIDDEN);
          if (side === 'subgraph') response.http.status = 200;
          else if (refused && !answered) response.http.status = 403;
          else if (answered && response.http.status === 403) response.http.status = 200;
        },
      };
    },
  };
}

const WORKER_ID = /^W-\d{7}$/;

export function workerIdArg(value: string, field = 'workerId'): string {
  const id = value.trim();
  if (!WORKER_ID.test(id)) throw badInput(`${quoted(value)} is not a worker id; worker ids look like W-0000042.`, field);
  return id;
}

/** Accepts `9876543210`, `+91 98765 43210`, `09876543210`; returns the ten digits. */
export function phoneArg(value: string, field = 'phone'): string {
  const digits = value.replace(/[\s-]/g, '').replace(/^(\+91|91(?=\d{10}$)|0(?=\d{10}$))/, '');
  if (!/^[6-9]\d{9}$/.test(digits)) {
    throw badInput(`${quoted(value)} is not an Indian mobile number: ten digits starting with 6, 7, 8 or 9.`, field);
  }
  return digits;
}

export function textArg(value: string, field: string, maxLength = 200): string {
  const text = value.trim().replace(/\s+/g, ' ');
  if (!text) throw badInput(`${field} must not be empty.`, field);
  if (text.length > maxLength) throw badInput(`${field} must be at most ${maxLength} characters.`, field);
  return text;
}

export function digitsArg(value: string, field: string, length: number): string {
  if (!new RegExp(`^\\d{${length}}$`).test(value)) throw badInput(`${field} must be exactly ${length} digits.`, field);
  return value;
}

export function notInFuture(date: string, field: string): string {
  if (date > today()) throw badInput(`${field} ${date} is in the future.`, field);
  return date;
}

/** For validity periods: `until` must come after `from`. */
export function dateOrder(from: string, until: string, fromField: string, untilField: string): void {
  if (until <= from) throw badInput(`${untilField} (${until}) must be after ${fromField} (${from}).`, untilField);
}

export function positiveAmountArg(value: number, field: string, max = 10_000_000): number {
  if (!Number.isInteger(value) || value <= 0 || value > max) {
    throw badInput(`${field} must be a whole number of rupees between 1 and ${max}.`, field);
  }
  return value;
}

/** `VJA`, `VJA or GVMC`, `VJA, GVMC or NLR`: codes for a message. */
function oneOf(codes: readonly string[]): string {
  return codes.length < 2 ? codes.join('') : `${codes.slice(0, -1).join(', ')} or ${codes.at(-1)}`;
}

/** A ULB code Worker Graph serves, e.g. `VJA`. */
export function cityArg(value: string, field = 'city'): string {
  const code = value.trim().toUpperCase();
  if (!cityByCode(code)) throw badInput(`${quoted(value)} is not a city (ULB) code Worker Graph serves; use ${oneOf(CITIES.map((city) => city.code))}.`, field);
  return code;
}

/** A ward code of the given city, e.g. `VJA-W07`. */
export function wardArg(value: string, city: string, field = 'ward'): string {
  const code = value.trim().toUpperCase();
  const match = /^([A-Z]+)-W(\d{2,3})$/.exec(code);
  const ulb = cityByCode(city.toUpperCase());
  if (!match || match[1] !== city.toUpperCase() || !ulb || Number(match[2]) < 1 || Number(match[2]) > ulb.wardCount) {
    const place = ulb ? ulb.code : quoted(city);
    throw badInput(`${quoted(value)} is not a ward of ${place}; ward codes look like ${wardCode(ulb?.code ?? CITIES[0]!.code, 7)}.`, field);
  }
  return code;
}

/**
 * The `{ city, ward }` filter every list offers, as column values. A ward alone names its city
 * (`VJA-W07`); with both, the ward must lie in the city.
 */
export function placeFilter(filter: { city?: string | null; ward?: string | null } | null | undefined) {
  const where: { cityCode?: string; wardCode?: string } = {};
  if (filter?.city) where.cityCode = cityArg(filter.city, 'filter.city');
  if (filter?.ward) where.wardCode = wardArg(filter.ward, where.cityCode ?? filter.ward.trim().split('-')[0], 'filter.ward');
  return where;
}

/** The city a place filter lies in: the one it names, or the one its ward names (`VJA-W07`). */
export function cityOfPlace(place: { cityCode?: string; wardCode?: string }): string | undefined {
  return place.cityCode ?? place.wardCode?.split('-')[0];
}

/** One of the NULM occupational categories, e.g. `STREET_VENDOR`. */
export function occupationArg(value: unknown, field = 'occupation'): string {
  if (!(OCCUPATIONS as readonly unknown[]).includes(value)) throw badInput(`${quoted(value)} is not an occupation; use one of ${OCCUPATIONS.join(', ')}.`, field);
  return value as string;
}

/** Issued on or before today, valid after that, and for no longer than the document allows. */
export function validityPeriod(issuedOn: string, validUntil: string, maxYears: number, document: string): void {
  notInFuture(issuedOn, 'issuedOn');
  dateOrder(issuedOn, validUntil, 'issuedOn', 'validUntil');
  const limit = addYears(issuedOn, maxYears);
  if (validUntil > limit) {
    throw badInput(`A ${document} runs for at most ${maxYears} year${maxYears > 1 ? 's' : ''}: validUntil can be ${limit} at the latest.`, 'validUntil');
  }
}
