/** `@access` read from a schema document: what it allows, and the typos refused at start-up. */
import { parse } from 'graphql';
import { allows, decide, policiesIn } from './policy';

const policies = (sdl: string) => policiesIn(parse(sdl));

test('reads allow (a list, or one string) and mask; fields without @access have no policy', () => {
  const found = policies(`type Worker {
    phone: String @access(allow: ["labour:officer", "*:auditor"], mask: "last4")
    idLast4: String @access(allow: "labour:*")
    name: String
  }`);
  expect([...found.keys()]).toEqual(['Worker.phone', 'Worker.idLast4']);
  expect(found.get('Worker.phone')).toEqual({ allow: ['labour:officer', '*:auditor'], principals: [['labour', 'officer'], ['*', 'auditor']], mask: 'last4' });
  expect(found.get('Worker.idLast4')).toMatchObject({ allow: ['labour:*'], mask: undefined });
  const phone = found.get('Worker.phone')!;
  expect(allows(phone, { agency: 'icds', role: 'auditor' })).toBe(true);
  expect(decide(phone, { agency: 'icds', role: 'officer' })).toBe('mask');
  expect(decide(found.get('Worker.idLast4')!, { agency: 'icds', role: 'officer' })).toBe('deny');
});

test.each([
  ['a value of the wrong type', `@access(allow: [1])`, /@access on W\.a: Argument "allow" has invalid value \[1\]/],
  ['no allow', `@access(mask: "all")`, /@access on W\.a: Argument "allow" of required type "\[String!\]!" was not provided/],
  ['a principal that is not agency:role', `@access(allow: ["labour"])`, /"labour" is not <agency>:<role>/],
  ['an unknown role', `@access(allow: ["labour:clerk"])`, /"labour:clerk" is not <agency>:<role>/],
  ['an unknown mask', `@access(allow: ["labour:officer"], mask: "blur")`, /mask must be one of last4, initials, all, got "blur"/],
])('refuses %s, naming the field', (_what, directive, message) => {
  expect(() => policies(`type W { a: String ${directive} }`)).toThrow(message);
});
