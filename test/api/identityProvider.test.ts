/**
 * Running behind a province's identity platform (API.md "Identity", WORKFLOW_JWKS_URL): RS256
 * tokens checked against the platform's JWKS, day after day — while it fails, and while its clock
 * and ours differ by a few seconds.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createVerifier } from '../../api/auth.js';
import { ManualClock } from '../../infra/clock.js';

const claims = { role: 'applicant', org: '91370100MA3C5ABC1X' };
type Keys = Awaited<ReturnType<typeof generateKeyPair>>;

/** A JWKS endpoint on 127.0.0.1 that counts what it is asked, and answers as `answer` says at the time. */
interface Idp {
  url: string;
  fetches: number;
  answer: 'keys' | 'error';
}
const running: Server[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

async function startIdp(keys: Keys, kid = 'k1'): Promise<Idp> {
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(keys.publicKey)), kid, alg: 'RS256', use: 'sig' }] });
  const idp: Idp = { url: '', fetches: 0, answer: 'keys' };
  const server = createServer((_req, res) => {
    idp.fetches += 1;
    if (idp.answer === 'keys') res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
    else res.writeHead(500, { 'content-type': 'text/html' }).end('<h1>500 Internal Server Error</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  running.push(server);
  idp.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  return idp;
}

const sign = (keys: Keys, clock: ManualClock, extra: Record<string, unknown> = {}, kid = 'k1') =>
  new SignJWT({ ...claims, ...extra }).setProtectedHeader({ alg: 'RS256', kid }).setSubject('u1').setIssuedAt(clock.now()).setExpirationTime(new Date(clock.now().getTime() + 3_600_000)).sign(keys.privateKey);

describe('given an identity platform whose JWKS endpoint fails', () => {
  it('when request after request comes with a new token, then each is 503 with Retry-After, but the platform is asked once per Retry-After, not once per request; after it, the key set is fetched again and tokens are accepted', async () => {
    const keys = await generateKeyPair('RS256');
    const idp = await startIdp(keys);
    idp.answer = 'error';
    const clock = new ManualClock('2026-12-02T08:00:00.000Z');
    const verifier = createVerifier({ jwksUrl: idp.url, now: () => clock.now() });
    for (let i = 0; i < 20; i++) {
      await expect(verifier.verify(await sign(keys, clock, { jti: `t${i}` }))).rejects.toMatchObject({ code: 'UNAVAILABLE', details: { reason: 'identityProviderUnreachable', retryAfter: 10 } });
      clock.advance(100);
    }
    expect(idp.fetches).toBe(1);
    idp.answer = 'keys';
    clock.advance(10_000);
    await expect(verifier.verify(await sign(keys, clock, { jti: 'back' }))).resolves.toMatchObject({ sub: 'u1' });
    expect(idp.fetches).toBe(2);
  });

  it('when the keys in hand are still fresh, then a token signed with a known key is accepted while the platform is down, and a token with an unknown kid is 503 without asking it again', async () => {
    const keys = await generateKeyPair('RS256');
    const idp = await startIdp(keys);
    const clock = new ManualClock('2026-12-02T08:00:00.000Z');
    const verifier = createVerifier({ jwksUrl: idp.url, now: () => clock.now() });
    await expect(verifier.verify(await sign(keys, clock, { jti: 'first' }))).resolves.toMatchObject({ sub: 'u1' });
    // jose keeps the key set 5 minutes and waits 30 s before fetching it again for an unknown kid, by Date.now.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 31_000 });
    try {
      idp.answer = 'error';
      const other = await generateKeyPair('RS256');
      await expect(verifier.verify(await sign(other, clock, { jti: 'a' }, 'k9'))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(idp.fetches).toBe(2);
      await expect(verifier.verify(await sign(keys, clock, { jti: 'second' }))).resolves.toMatchObject({ sub: 'u1' });
      await expect(verifier.verify(await sign(other, clock, { jti: 'b' }, 'k9'))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(idp.fetches).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
