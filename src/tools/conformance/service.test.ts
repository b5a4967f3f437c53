/** The service check on SDLs: Federation 2, a resolvable Worker @key(fields: "id"). */
import { checkService } from './service';
import { parseSdl } from './schema-index';
import type { Answer } from './answers';

const answered: Answer = { label: '_service { sdl }', status: 200, json: {} };
const check = (sdl: string) => checkService(answered, parseSdl(sdl));
const FEDERATION = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';

test('a Federation 2 subgraph extending Worker by its id passes, naming the version', () => {
  expect(check(`${FEDERATION} type Query { ok: Boolean } type Worker @key(fields: " id ") { id: ID! }`)).toEqual({
    name: 'service',
    ok: true,
    detail: 'serves a Federation 2.7 subgraph SDL extending Worker @key(fields: "id")',
    warnings: [],
  });
});

test('a Federation 1 schema, and one without Worker, fail with both reasons', () => {
  const result = check('type Query { ok: Boolean }');
  expect(result.ok).toBe(false);
  expect(result.detail).toBe(
    'no @link to Federation v2 (https://specs.apollo.dev/federation/v2.x): a Federation 1 schema cannot join; no Worker type: an agency adds its fields to Worker by @key(fields: "id")',
  );
});

test('Worker must be keyed by id, and resolvable', () => {
  expect(check(`${FEDERATION} type Worker @key(fields: "uan") { id: ID! uan: String }`).detail).toBe('Worker has no @key(fields: "id")');
  expect(check(`${FEDERATION} type Worker @key(fields: "id", resolvable: false) { id: ID! }`).detail).toMatch(/resolvable: false, so the gateway cannot fetch its fields/);
});

test('an SDL that links Federation 2 but does not build says why, in one line', () => {
  const result = check(`${FEDERATION} type Worker @key(fields: "id") { id: ID! licence: Licence }`);
  expect(result.ok).toBe(false);
  expect(result.detail).toMatch(/^not a valid Federation 2 subgraph schema: [^\n]*Licence/);
});

test('no SDL: the call\'s failure, with a hint when the seal was refused', () => {
  expect(checkService({ label: 'x', failure: 'no answer within 200 ms' }, undefined).detail).toBe('sealed _service { sdl } was not answered (no answer within 200 ms)');
  const refused = checkService({ label: 'x', status: 401, json: { errors: [{ message: 'no', extensions: { code: 'UNAUTHENTICATED' } }] } }, undefined);
  expect(refused.detail).toMatch(/^sealed _service \{ sdl \} was not answered \(HTTP 401, UNAUTHENTICATED: no\): it refused the seal; is --name its registered name/);
  expect(checkService(answered, parseSdl('type {')).detail).toMatch(/^the SDL does not parse/);
});
