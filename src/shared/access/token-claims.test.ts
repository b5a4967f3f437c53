/** What a verified token must claim to name a caller, and how jose's refusals are explained. */
import { refusalWithMessage } from '../../../test/support/rules';
import { claimsOf, describeJoseError } from './token-claims';

const payload = { sub: 'cdpo-1', agency: 'icds', role: 'officer', jurisdiction: 'district:NTR', scope: 'read  write', purpose: 'Service delivery' };
const refusal = (claims: Record<string, unknown>) => refusalWithMessage(() => claimsOf(claims));

test('a full set of claims names the caller, scopes split on spaces', () => {
  expect(claimsOf(payload)).toEqual({ agency: 'icds', subject: 'cdpo-1', role: 'officer', jurisdiction: 'district:NTR', scopes: ['read', 'write'], purpose: 'Service delivery' });
});

test('scope and purpose are optional; a purpose that is not text is left out', () => {
  expect(claimsOf({ ...payload, scope: undefined, purpose: 42 })).toEqual({ agency: 'icds', subject: 'cdpo-1', role: 'officer', jurisdiction: 'district:NTR', scopes: [] });
});

test('each claim at fault is UNAUTHENTICATED (HTTP 401), saying which', () => {
  expect(() => claimsOf({ ...payload, sub: '' })).toThrow(
    expect.objectContaining({ message: 'The token names no subject (`sub`).', extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } }),
  );
  expect(refusal({ ...payload, sub: 'x'.repeat(201) })?.message).toBe("The token's subject (`sub`) must be plain text of at most 200 characters.");
  expect(refusal({ ...payload, sub: 'cdpo\u0000' })?.message).toMatch(/^The token's subject \(`sub`\) must be plain text/);
  expect(claimsOf({ ...payload, sub: 'x'.repeat(200) }).subject).toHaveLength(200);
  expect(refusal({ ...payload, agency: 'ICDS' })?.message).toBe('The token names no agency (`agency`).');
  expect(refusal({ ...payload, agency: undefined })?.message).toBe('The token names no agency (`agency`).');
  expect(refusal({ ...payload, role: 'admin' })?.message).toBe("The token's role must be one of officer, auditor, analyst, service, crp.");
  expect(refusal({ ...payload, jurisdiction: 'city:ATLANTIS' })?.message).toMatch(/^The token's jurisdiction must be a place Worker Graph serves: national, /);
  expect(refusal({ ...payload, jurisdiction: 7 })).toMatchObject({ code: 'UNAUTHENTICATED' });
});

test("jose's refusals in words for the caller, never its internals", () => {
  expect(describeJoseError({ code: 'ERR_JWT_EXPIRED' })).toBe('it has expired');
  expect(describeJoseError({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' })).toBe('its signature does not match a trusted key');
  expect(describeJoseError({ code: 'ERR_JWKS_NO_MATCHING_KEY' })).toBe('its signature does not match a trusted key');
  expect(describeJoseError({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud' })).toBe('its "aud" claim is not accepted here');
  expect(describeJoseError({ code: 'ERR_JWT_INVALID' })).toBe('it is not a well-formed JWT');
  expect(describeJoseError(new Error('ECONNREFUSED 10.0.0.1:443'))).toBe('it could not be verified');
});
