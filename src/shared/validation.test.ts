import { buildSchema, GraphQLError, parse } from 'graphql';
import { describeForLog, echoed, formatError, quoted } from './errors';
import { parseIsoDate } from './scalars';
import { pageRequest, encodeCursor } from './pagination';
import { checkOperationText, cityArg, dateOrder, phoneArg, unsafeCharacter, wardArg, workerIdArg } from './validation';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as GraphQLError).extensions?.code as string;
  }
  return undefined;
}

test('a clerk may type a mobile number the way people write it', () => {
  expect(phoneArg('9876543210')).toBe('9876543210');
  expect(phoneArg('+91 98765 43210')).toBe('9876543210');
  expect(phoneArg('+919876543210')).toBe('9876543210');
  expect(phoneArg('09876543210')).toBe('9876543210');
  expect(phoneArg('98765-43210')).toBe('9876543210');
});

test('numbers that cannot be an Indian mobile are refused', () => {
  for (const bad of ['5876543210', '987654321', '98765432101', 'ninety', '0866-247123']) {
    expect(codeOf(() => phoneArg(bad))).toBe('BAD_USER_INPUT');
  }
});

test('calendar dates must exist', () => {
  expect(parseIsoDate('2024-02-29')).toBe('2024-02-29');
  for (const bad of ['2023-02-29', '2024-13-01', '2024-04-31', '24-01-01', '2024-1-1', 20240101]) {
    expect(codeOf(() => parseIsoDate(bad))).toBe('BAD_USER_INPUT');
  }
});

test('ids, cities and wards are checked for shape before any query runs', () => {
  expect(workerIdArg(' W-0000042 ')).toBe('W-0000042');
  expect(codeOf(() => workerIdArg('W-42'))).toBe('BAD_USER_INPUT');
  expect(cityArg('vja')).toBe('VJA');
  expect(codeOf(() => cityArg('HYD'))).toBe('BAD_USER_INPUT');
  expect(wardArg('vja-w07', 'VJA')).toBe('VJA-W07');
  expect(codeOf(() => wardArg('VJA-W65', 'VJA'))).toBe('BAD_USER_INPUT'); // Vijayawada has 64 wards
  expect(codeOf(() => wardArg('GVMC-W07', 'VJA'))).toBe('BAD_USER_INPUT');
});

test('a validity period must end after it starts', () => {
  expect(codeOf(() => dateOrder('2025-01-01', '2024-12-31', 'issuedOn', 'validUntil'))).toBe('BAD_USER_INPUT');
  expect(codeOf(() => dateOrder('2025-01-01', '2025-01-01', 'issuedOn', 'validUntil'))).toBe('BAD_USER_INPUT');
  expect(codeOf(() => dateOrder('2025-01-01', '2025-01-02', 'issuedOn', 'validUntil'))).toBeUndefined();
});

test('page sizes are capped and cursors must be ours', () => {
  expect(pageRequest(undefined, undefined)).toEqual({ first: 20, afterKey: undefined });
  expect(pageRequest(100, encodeCursor('W-0000100'))).toEqual({ first: 100, afterKey: 'W-0000100' });
  for (const first of [0, -5, 101, 1.5]) expect(codeOf(() => pageRequest(first, null))).toBe('BAD_USER_INPUT');
  expect(codeOf(() => pageRequest(10, 'garbage'))).toBe('BAD_USER_INPUT');
});

describe('input hygiene: text with characters no record may hold', () => {
  const schema = buildSchema(`
    input Member { workerId: ID!, note: String }
    input Form { name: String!, members: [Member!]!, tags: [String!] }
    type Query { find(name: String, first: Int): Boolean }
    type Mutation { form(input: Form!, reason: String): Boolean }
  `);
  const refusal = (query: string, variables?: Record<string, unknown>) => {
    try {
      checkOperationText(schema, parse(query), variables);
    } catch (error) {
      const { code, field, reason } = (error as GraphQLError).extensions as Record<string, unknown>;
      return { code, field, reason, message: (error as GraphQLError).message };
    }
    return undefined;
  };
  const FORM = `mutation($input: Form!) { form(input: $input) }`;
  const input = (overrides: Record<string, unknown> = {}) => ({ name: 'Kolla Mounika', members: [{ workerId: 'W-0000001' }, { workerId: 'W-0000002' }], ...overrides });

  test.each([
    ['a NUL', 'Ram\u0000esh', 'a NUL character (U+0000)'],
    ['a lone high surrogate', 'Ram\uD800esh', 'an unpaired surrogate (U+D800)'],
    ['a lone low surrogate', '\uDC00', 'an unpaired surrogate (U+DC00)'],
    ['a bell', 'a\u0007', 'a control character (U+0007)'],
    ['an escape', '\u001b[31m', 'a control character (U+001B)'],
    ['DEL', 'a\u007f', 'a control character (U+007F)'],
    ['a C1 control', 'a\u0085', 'a control character (U+0085)'],
    ['U+FFFE', 'a\uFFFE', 'a Unicode noncharacter (U+FFFE)'],
    ['U+FFFF', '\uFFFF', 'a Unicode noncharacter (U+FFFF)'],
    ['a right-to-left override', 'abc\u202Edcba', 'a bidirectional formatting character (U+202E)'],
    ['a first-strong isolate', '\u2068x', 'a bidirectional formatting character (U+2068)'],
  ])('%s is named', (_, text, what) => {
    expect(unsafeCharacter(text)).toBe(what);
  });

  test('ordinary text passes: Telugu with its joiners, emoji, tabs and line breaks, direction marks', () => {
    for (const text of ['కొల్ల మౌనిక', 'క్\u200dష', 'Shaik Parveen 😀', 'a\tb\nc\r\n', 'Mary\u200e', 'سلمیٰ', '']) expect(unsafeCharacter(text)).toBeUndefined();
  });

  test('found in a variable at any depth, named by its argument path', () => {
    expect(refusal(FORM, { input: input({ name: 'a\u0000' }) })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.name', reason: 'INVALID_CHARACTER' });
    expect(refusal(FORM, { input: input({ members: [{ workerId: 'W-1' }, { workerId: 'W-2', note: '\uD800' }] }) })).toMatchObject({ field: 'input.members[1].note' });
    expect(refusal(FORM, { input: input({ tags: ['ok', 'x\u202E'] }) })).toMatchObject({ field: 'input.tags[1]' });
    expect(refusal(FORM, { input: input() })).toBeUndefined();
  });

  test('found in a literal, and in a variable inside a literal', () => {
    expect(refusal(`mutation { form(input: { name: "a\u007f", members: [] }) }`)).toMatchObject({ field: 'input.name' });
    expect(refusal(`mutation($n: String!) { form(input: { name: "ok", members: [{ workerId: "W", note: $n }] }) }`, { n: '\u0085' })).toMatchObject({ field: 'input.members[0].note' });
    expect(refusal(`mutation($r: String) { form(input: { name: "ok", members: [] }, reason: $r) }`, { r: 'ok\u0000' })).toMatchObject({ field: 'reason' });
    expect(refusal(`query($n: String) { find(name: $n) }`, { n: 'x\uFFFF' })).toMatchObject({ field: 'name' });
    expect(refusal(`query { ...F } fragment F on Query { find(name: "a\u0080") }`)).toMatchObject({ field: 'name' });
  });

  test('the message names the field and the character, and never echoes the text', () => {
    const refused = refusal(FORM, { input: input({ name: `Kondapalli Ramesh 9876543210\u0000` }) })!;
    expect(refused.message).toMatch(/^input\.name contains a NUL character \(U\+0000\)/);
    expect(refused.message).not.toMatch(/Ramesh|9876543210/);
  });

  test('only the operation being run is checked', () => {
    const document = `query A($n: String) { find(name: $n) } query B { find(name: "a\u0001") }`;
    expect(() => checkOperationText(schema, parse(document), { n: 'ok' }, 'A')).not.toThrow();
    expect(() => checkOperationText(schema, parse(document), {}, 'B')).toThrow(/U\+0001/);
  });
});

describe('errors echo a short prefix of what was sent', () => {
  test('quoted() and echoed() cut long values, by code point, and escape control characters', () => {
    expect(quoted('W-42')).toBe('"W-42"');
    expect(quoted('x'.repeat(990_000))).toBe(`"${'x'.repeat(40)}…"`);
    expect(echoed('😀'.repeat(50))).toBe(`${'😀'.repeat(40)}…`);
    expect(quoted('a\u0000b')).toBe('"a\\u0000b"');
  });

  test('a 990 KB worker id is refused in a short message', () => {
    let message = '';
    try {
      workerIdArg('W'.repeat(990_000));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.length).toBeLessThan(200);
    expect(message).toMatch(/is not a worker id/);
  });

  test('formatError shortens every quoted run, GraphQL\'s own coercion messages included', () => {
    const long = 'y'.repeat(5000);
    const message = `Variable "$input" got invalid value "${long}" at "input.gender"; Value "${long}" does not exist in "Gender" enum.`;
    const { message: short } = formatError({ message, extensions: { code: 'BAD_USER_INPUT' } }, new Error(message));
    expect(short.length).toBeLessThan(300);
    expect(short).toContain('"$input"');
    expect(short).toContain('"Gender"');
    expect(short).toContain(`"${'y'.repeat(40)}…"`);
  });
});

describe('the server log never prints what a database error quotes', () => {
  test('a driver error is logged by its SQLSTATE and constraint, without the statement, its parameters or its detail', () => {
    const driverError = Object.assign(
      new Error(`insert into "worker" ("name", "phone", "id_token") values ('Kolla Mounika', '9876543210', 'ADV-TOKEN-123') - duplicate key value violates unique constraint "worker_phone_key"`),
      { name: 'UniqueConstraintViolationException', code: '23505', severity: 'ERROR', constraint: 'worker_phone_key', table: 'worker', detail: 'Key (phone)=(9876543210) already exists.', routine: '_bt_check_unique' },
    );
    const wrapped = new GraphQLError('Unexpected error.', { originalError: driverError });
    const logged = String(describeForLog(wrapped));
    expect(logged).toMatch(/23505/);
    expect(logged).toMatch(/worker_phone_key/);
    expect(logged).not.toMatch(/Kolla|9876543210|ADV-TOKEN|insert into/);

    const nul = Object.assign(new Error(`insert into "worker" ("name") values ('Ram\u0000esh') - invalid byte sequence for encoding "UTF8": 0x00`), { code: '22021', severity: 'ERROR', routine: 'report_invalid_encoding' });
    expect(String(describeForLog(nul))).not.toMatch(/Ram|insert/);
    const syntax = Object.assign(new Error(`select 1 - invalid input syntax for type integer: "Kolla Mounika"`), { code: '22P02', severity: 'ERROR', routine: 'pg_strtoint32_safe' });
    expect(String(describeForLog(syntax))).not.toMatch(/Kolla/);
  });

  test('formatError logs the redacted form and answers a generic message', () => {
    const spy = jest.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const driverError = Object.assign(new Error(`update "worker" set "phone" = '9876543210' - value too long`), { code: '22001', severity: 'ERROR', routine: 'varchar' });
      const answer = formatError({ message: driverError.message, extensions: {} }, new GraphQLError(driverError.message, { originalError: driverError }));
      expect(answer).toEqual({ message: 'Internal server error. The incident has been logged.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      expect(JSON.stringify(spy.mock.calls)).not.toMatch(/9876543210/);
    } finally {
      spy.mockRestore();
    }
  });
});
