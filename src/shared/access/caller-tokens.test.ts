/** The bearer header, and a development token signed and verified in memory. */
import { bearerToken, signCallerToken, verifyCallerToken } from './caller-tokens';
import { generateAccessKeys } from './keys';

const request = { agency: 'mepma', subject: 'crp-7', role: 'crp' as const, jurisdiction: 'city:VJA', scopes: ['read'] };

test('the token is the one word after Bearer, in any case', () => {
  expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
  expect(bearerToken('  bearer   abc.def.ghi ')).toBe('abc.def.ghi');
  expect(() => bearerToken(undefined)).toThrow('Send a bearer token: `Authorization: Bearer <JWT>`.');
  expect(() => bearerToken('')).toThrow('Send a bearer token');
  for (const header of ['Basic dXNlcjpwdw==', 'Bearer', 'Bearer a b']) {
    expect(() => bearerToken(header)).toThrow(expect.objectContaining({ message: 'The Authorization header must be `Bearer <JWT>`.', extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } }));
  }
});

test('a token the development issuer signed names its caller; another hub\'s keys refuse it', async () => {
  const keys = await generateAccessKeys('https://hub.test', 'worker-graph');
  const token = await signCallerToken(keys, { ...request, purpose: 'Service delivery' });
  expect(await verifyCallerToken(keys, `Bearer ${token}`)).toEqual({ ...request, purpose: 'Service delivery' });
  // Asked again, the kept verdict is the same.
  expect(await verifyCallerToken(keys, `Bearer ${token}`)).toEqual({ ...request, purpose: 'Service delivery' });
  const other = await generateAccessKeys('https://hub.test', 'worker-graph');
  await expect(verifyCallerToken(other, `Bearer ${token}`)).rejects.toMatchObject({
    message: 'The token was refused: its signature does not match a trusted key.',
    extensions: { code: 'UNAUTHENTICATED' },
  });
});

test('an expired token, or one for another audience, is refused saying why', async () => {
  const keys = await generateAccessKeys('https://hub.test', 'worker-graph');
  const expired = await signCallerToken(keys, { ...request, expiresIn: '-1h' });
  await expect(verifyCallerToken(keys, `Bearer ${expired}`)).rejects.toThrow('The token was refused: it has expired.');
  const elsewhere = await signCallerToken({ ...keys, audience: 'another-graph' }, request);
  await expect(verifyCallerToken(keys, `Bearer ${elsewhere}`)).rejects.toThrow('The token was refused: its "aud" claim is not accepted here.');
});
