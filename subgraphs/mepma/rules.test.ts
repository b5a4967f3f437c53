/** MEPMA's rules as plain functions: no server, no database. */
import { schemeIds } from '../../src/shared/schemes';
import {
  MAX_FOUNDING_MEMBERS, MAX_RECENT_SAVINGS, MAX_VISIT_NOTE, cigIdArg, foundingMembers, ifscArg, notBefore, recentSavingsLimit, schemeArg, visitCity, visitNoteArg,
} from './rules';
import { officer, refusal } from '../../test/support/rules';

const caller = (jurisdiction: string) => officer('mepma', jurisdiction, 'cig-follow-up', 'co');

describe('argument parsers', () => {
  test('accept CIG ids, IFSCs, schemes and notes as people type them', () => {
    expect(cigIdArg(' CIG-000042 ')).toBe('CIG-000042');
    expect(ifscArg('sbin0012345')).toBe('SBIN0012345');
    const [scheme] = schemeIds();
    expect(schemeArg(` ${scheme} `)).toBe(scheme);
    expect(visitNoteArg('  Passbook  copy collected ')).toBe('Passbook copy collected');
    expect(visitNoteArg('   ')).toBeNull();
    expect(visitNoteArg(null)).toBeNull();
    expect(recentSavingsLimit(MAX_RECENT_SAVINGS)).toBe(MAX_RECENT_SAVINGS);
  });

  test.each([
    ['a short CIG id', () => cigIdArg('CIG-42'), 'cigId'],
    ['a CIG id as the id argument', () => cigIdArg('42', 'id'), 'id'],
    ['an IFSC without its zero', () => ifscArg('SBIN1012345'), 'branchIfsc'],
    ['a scheme outside the catalogue', () => schemeArg('PM_SYMX'), 'scheme'],
    ['an overlong note', () => visitNoteArg('x'.repeat(MAX_VISIT_NOTE + 1)), 'note'],
    ['no recent savings', () => recentSavingsLimit(0), 'first'],
    ['too many recent savings', () => recentSavingsLimit(MAX_RECENT_SAVINGS + 1), 'first'],
  ])('refuse %s (BAD_USER_INPUT naming the field)', (_, parse, field) => {
    expect(refusal(parse)).toEqual({ code: 'BAD_USER_INPUT', field });
  });
});

describe('notBefore', () => {
  test('a date may fall on the earliest day but not before it', () => {
    expect(refusal(() => notBefore('2025-06-01', '2025-06-01', 'joinedOn', 'the CIG was formed'))).toBeUndefined();
    expect(refusal(() => notBefore('2025-05-31', '2025-06-01', 'joinedOn', 'the CIG was formed'))).toEqual({ code: 'BAD_USER_INPUT', field: 'joinedOn' });
  });
});

describe('foundingMembers', () => {
  const worker = (n: number) => `W-${String(n).padStart(7, '0')}`;

  test('accepts two to twenty distinct workers with each office held once, cleaned', () => {
    expect(foundingMembers([{ workerId: ' W-0000001 ', role: 'PRESIDENT' }, { workerId: worker(2), role: 'MEMBER' }])).toEqual([
      { workerId: worker(1), role: 'PRESIDENT' }, { workerId: worker(2), role: 'MEMBER' },
    ]);
    const twenty = Array.from({ length: MAX_FOUNDING_MEMBERS }, (_, i) => ({ workerId: worker(i + 1), role: 'MEMBER' as const }));
    expect(foundingMembers(twenty)).toHaveLength(MAX_FOUNDING_MEMBERS);
  });

  test.each([
    ['a single member', [{ workerId: worker(1), role: 'PRESIDENT' as const }], 'members'],
    ['too many members', Array.from({ length: MAX_FOUNDING_MEMBERS + 1 }, (_, i) => ({ workerId: worker(i + 1), role: 'MEMBER' as const })), 'members'],
    ['the same worker twice', [{ workerId: worker(1), role: 'PRESIDENT' as const }, { workerId: worker(1), role: 'MEMBER' as const }], 'members'],
    ['two presidents', [{ workerId: worker(1), role: 'PRESIDENT' as const }, { workerId: worker(2), role: 'PRESIDENT' as const }], 'members'],
    ['a malformed worker id', [{ workerId: worker(1), role: 'PRESIDENT' as const }, { workerId: '42', role: 'MEMBER' as const }], 'members[1].workerId'],
  ])('refuses %s (BAD_USER_INPUT naming the field)', (_, members, field) => {
    expect(refusal(() => foundingMembers(members))).toEqual({ code: 'BAD_USER_INPUT', field });
  });
});

describe('visitCity', () => {
  test('a named city inside the jurisdiction, or the one city the jurisdiction covers', () => {
    expect(visitCity(caller('state:AP'), 'gvmc')).toBe('GVMC');
    expect(visitCity(caller('city:VJA'), null)).toBe('VJA');
    expect(visitCity(caller('ward:VJA-W07'), undefined)).toBe('VJA');
  });

  test('a city outside the jurisdiction is FORBIDDEN; an unknown one, or none from a caller of several, BAD_USER_INPUT', () => {
    expect(refusal(() => visitCity(caller('city:VJA'), 'GVMC'))).toEqual({ code: 'FORBIDDEN', field: undefined });
    expect(refusal(() => visitCity(caller('state:AP'), 'XYZ'))).toEqual({ code: 'BAD_USER_INPUT', field: 'city' });
    expect(refusal(() => visitCity(caller('state:AP'), null))).toEqual({ code: 'BAD_USER_INPUT', field: 'city' });
    expect(refusal(() => visitCity(caller('national'), null))).toEqual({ code: 'BAD_USER_INPUT', field: 'city' });
  });
});
