/**
 * Running behind a province's identity platform (API.md "Identity", WORKFLOW_JWKS_URL): RS256
 * tokens checked against the platform's JWKS, day after day — while it fails, and while its clock
 * and ours differ by a few seconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../api/app.js';
import { createVerifier } from '../../api/auth.js';
import { buildServer } from '../../api/server.js';
import { ManualClock } from '../../infra/clock.js';
import { loadConfig } from '../../infra/config.js';
import { createLogger } from '../../infra/logger.js';

const claims = { role: 'applicant', org: '91370100MA3C5ABC1B' };
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

describe('given an identity platform that publishes a new signing key and signs with it at once (a rotation)', () => {
  it('when a token names the new key, then within 5 s of the last fetch it is 401, and after them the set is fetched again and the token accepted (jose waited 30 s)', async () => {
    const [k1, k2] = [await generateKeyPair('RS256'), await generateKeyPair('RS256')];
    const published = [{ ...(await exportJWK(k1.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }];
    let fetches = 0;
    const server = createServer((_req, res) => {
      fetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    running.push(server);
    const clock = new ManualClock('2026-12-02T08:00:00.000Z');
    const verifier = createVerifier({ jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`, now: () => clock.now() });
    await expect(verifier.verify(await sign(k1, clock, { jti: 'old' }))).resolves.toMatchObject({ sub: 'u1' });
    published.push({ ...(await exportJWK(k2.publicKey)), kid: 'k2', alg: 'RS256', use: 'sig' });
    // jose's cooldown runs on Date.now.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 1_000 });
    try {
      await expect(verifier.verify(await sign(k2, clock, { jti: 'new-1' }, 'k2'))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      vi.setSystemTime(Date.now() + 5_000);
      await expect(verifier.verify(await sign(k2, clock, { jti: 'new-2' }, 'k2'))).resolves.toMatchObject({ sub: 'u1' });
      expect(fetches).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('given an identity platform that is down when the key set is due to be fetched again', () => {
  it('when a new token signed with a key it published comes, then it is accepted on the key set last fetched, for at most an hour; then 503', async () => {
    const keys = await generateKeyPair('RS256');
    const idp = await startIdp(keys);
    const clock = new ManualClock('2026-12-02T08:00:00.000Z');
    // The key set is due again at every token: as it is every 5 minutes in service.
    const verifier = createVerifier({ jwksUrl: idp.url, now: () => clock.now(), keySetMaxAgeMs: 0 });
    await expect(verifier.verify(await sign(keys, clock, { jti: 'before' }))).resolves.toMatchObject({ sub: 'u1' });
    idp.answer = 'error';
    clock.advance(5 * 60_000);
    await expect(verifier.verify(await sign(keys, clock, { jti: 'during' }))).resolves.toMatchObject({ sub: 'u1' });
    const other = await generateKeyPair('RS256');
    await expect(verifier.verify(await sign(other, clock, { jti: 'unknown' }, 'k9'))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    clock.advance(60 * 60_000);
    await expect(verifier.verify(await sign(keys, clock, { jti: 'an hour on' }))).rejects.toMatchObject({ code: 'UNAVAILABLE', details: { reason: 'identityProviderUnreachable' } });
    idp.answer = 'keys';
    clock.advance(10_000);
    await expect(verifier.verify(await sign(keys, clock, { jti: 'back' }))).resolves.toMatchObject({ sub: 'u1' });
  });
});

// Mutation QA (pass 3): the hour the keys in hand are kept could be counted from the first fetch, not the last,
// with every test passing: after an hour of service, any outage of the platform made every new token 503 at once.
describe('given an identity platform that answered minutes ago, after an hour of service', () => {
  it('when it fails, then a new token signed with its key is accepted on the key set fetched last (the hour counts from that fetch)', async () => {
    const keys = await generateKeyPair('RS256');
    const idp = await startIdp(keys);
    const clock = new ManualClock('2026-12-02T08:00:00.000Z');
    const verifier = createVerifier({ jwksUrl: idp.url, now: () => clock.now(), keySetMaxAgeMs: 0 });
    await expect(verifier.verify(await sign(keys, clock, { jti: 'first' }))).resolves.toMatchObject({ sub: 'u1' });
    clock.advance(58 * 60_000);
    const fetched = idp.fetches;
    await expect(verifier.verify(await sign(keys, clock, { jti: 'fetched again' }))).resolves.toMatchObject({ sub: 'u1' });
    expect(idp.fetches).toBeGreaterThan(fetched);
    idp.answer = 'error';
    clock.advance(3 * 60_000);
    await expect(verifier.verify(await sign(keys, clock, { jti: 'an hour and a minute on' }))).resolves.toMatchObject({ sub: 'u1' });
  });
});

describe('given an identity platform rotating its signing key, both keys published', () => {
  it('when its tokens name no kid, then a token signed with either key is accepted, and one signed with neither is 401', async () => {
    const old = await generateKeyPair('RS256');
    const next = await generateKeyPair('RS256');
    // Keys published without kid, as some platforms do: a token's header then has none to name.
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(old.publicKey)), alg: 'RS256', use: 'sig' }, { ...(await exportJWK(next.publicKey)), alg: 'RS256', use: 'sig' }] });
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    running.push(server);
    const clock = new ManualClock('2026-12-02T08:00:00.000Z');
    const verifier = createVerifier({ jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`, now: () => clock.now() });
    const signWith = (keys: Keys, jti: string) => new SignJWT({ ...claims, jti }).setProtectedHeader({ alg: 'RS256' }).setSubject('u1').setIssuedAt(clock.now()).setExpirationTime(new Date(clock.now().getTime() + 3_600_000)).sign(keys.privateKey);
    await expect(verifier.verify(await signWith(old, 'old'))).resolves.toMatchObject({ sub: 'u1' });
    await expect(verifier.verify(await signWith(next, 'next'))).resolves.toMatchObject({ sub: 'u1' });
    await expect(verifier.verify(await signWith(await generateKeyPair('RS256'), 'forged'))).rejects.toMatchObject({ code: 'UNAUTHENTICATED', text: { zh: '登录凭证无效' } });
  });
});

describe('given a unified identity platform that signs the tokens of many applications with the same keys', () => {
  const AUDIENCE = 'sd-open-data-workflow';
  const ISSUER = 'https://iam.shandong.gov.cn';
  it.each([
    ['issued for another application (aud)', { aud: 'sd-social-security', iss: ISSUER }, '登录凭证不是签发给本系统的（aud 不符）'],
    ['naming no audience', { iss: ISSUER }, '登录凭证不是签发给本系统的（aud 不符）'],
    ['from another issuer (iss)', { aud: AUDIENCE, iss: 'https://idp.example' }, '登录凭证的签发方（iss）不是所配置的身份提供方'],
  ])('and WORKFLOW_JWT_AUDIENCE and WORKFLOW_JWT_ISSUER name this one, when a token %s comes, then 401 saying so', async (_what, extra, zh) => {
    const keys = await generateKeyPair('RS256');
    const idp = await startIdp(keys);
    const clock = new ManualClock('2026-12-02T08:00:00.000Z');
    const verifier = createVerifier({ jwksUrl: idp.url, now: () => clock.now(), audience: AUDIENCE, issuer: ISSUER });
    await expect(verifier.verify(await sign(keys, clock, extra))).rejects.toMatchObject({ code: 'UNAUTHENTICATED', text: { zh } });
    await expect(verifier.verify(await sign(keys, clock, { aud: AUDIENCE, iss: ISSUER }))).resolves.toMatchObject({ sub: 'u1' });
  });

  it('when the server is started with WORKFLOW_JWT_AUDIENCE, then a token for another application is 401 there', async () => {
    const keys = await generateKeyPair('RS256');
    const idp = await startIdp(keys);
    const dataDir = mkdtempSync(join(tmpdir(), 'api-idp-'));
    const app = await createApp(loadConfig({ WORKFLOW_DATA_DIR: dataDir, WORKFLOW_JWKS_URL: idp.url, WORKFLOW_JWT_AUDIENCE: AUDIENCE, WORKFLOW_SQLITE_SYNCHRONOUS: 'OFF' }), { logger: createLogger({ level: 'silent' }) });
    const server = await buildServer(app);
    try {
      const clock = new ManualClock();
      const as = async (aud: string) => (await server.inject({ method: 'GET', url: '/v1/inbox', headers: { authorization: `Bearer ${await sign(keys, clock, { aud })}` } })).statusCode;
      expect(await as('sd-social-security')).toBe(401);
      expect(await as(AUDIENCE)).toBe(200);
    } finally {
      await server.close();
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('the settings are read from the environment, and refused when blank', () => {
    expect(loadConfig({ WORKFLOW_JWKS_URL: 'https://iam.shandong.gov.cn/jwks', WORKFLOW_JWT_AUDIENCE: AUDIENCE, WORKFLOW_JWT_ISSUER: ISSUER })).toMatchObject({ jwtAudience: AUDIENCE, jwtIssuer: ISSUER });
    expect(() => loadConfig({ WORKFLOW_JWT_AUDIENCE: '' })).toThrow(/WORKFLOW_JWT_AUDIENCE/);
  });
});

describe('given an identity platform whose clock differs from ours by a few seconds', () => {
  /** A verifier whose clock reads 2026-12-02 08:00 UTC, and a token whose times are `at` seconds from it. */
  async function tokenAt(at: Record<string, number>) {
    const keys = await generateKeyPair('RS256');
    const idp = await startIdp(keys);
    const clock = new ManualClock('2026-12-02T08:00:00.000Z');
    const verifier = createVerifier({ jwksUrl: idp.url, now: () => clock.now() });
    const s = Math.floor(clock.now().getTime() / 1000);
    const times = Object.fromEntries(Object.entries(at).map(([claim, offset]) => [claim, s + offset]));
    const token = await new SignJWT({ ...claims, ...times }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('u1').sign(keys.privateKey);
    return { verifier, token };
  }

  it.each([
    ['ahead: a token just issued, not before (nbf) and issued at (iat) 5 s in our future', { nbf: +5, iat: +5, exp: +3600 }],
    ['behind: a token that by its clock has a few seconds left, by ours expired 5 s ago', { iat: -3600, exp: -5 }],
    ['good for a year exactly, issued now', { iat: 0, exp: 31_557_600 }],
  ])('(%s), then it is accepted', async (_what, at) => {
    const { verifier, token } = await tokenAt(at);
    await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'u1' });
  });

  it.each([
    ['not yet valid: nbf 2 minutes ahead', { nbf: +120, iat: +120, exp: +3600 }, '登录凭证尚未生效（nbf 晚于当前时间）'],
    ['expired 2 minutes ago', { iat: -3600, exp: -120 }, '登录凭证已过期，请重新获取'],
    // Taken before: jose checks iat only given a maximum age.
    ['issued (iat) 2 minutes ahead, nbf absent', { iat: +120, exp: +3600 }, '登录凭证的签发时间（iat）晚于当前时间'],
    ['good for more than a year: exp a year and 2 minutes ahead', { iat: 0, exp: 31_557_600 + 120 }, '登录凭证的有效期超过一年（exp）：请使用有效期不超过一年的登录凭证'],
    ['good for ever: exp 1e11', { iat: 0, exp: 1e11 }, '登录凭证的有效期超过一年（exp）：请使用有效期不超过一年的登录凭证'],
  ])('but beyond a bounded leeway (%s), then 401 saying which', async (_what, at, zh) => {
    const { verifier, token } = await tokenAt(at);
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', text: { zh } });
  });

  it('when a token accepted within the leeway is used again after it, then it is refused as expired (not kept in the cache)', async () => {
    const keys = await generateKeyPair('RS256');
    const idp = await startIdp(keys);
    const clock = new ManualClock('2026-12-02T08:00:00.000Z');
    const verifier = createVerifier({ jwksUrl: idp.url, now: () => clock.now() });
    const s = Math.floor(clock.now().getTime() / 1000);
    const token = await new SignJWT({ ...claims, iat: s - 3600, exp: s - 5 }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('u1').sign(keys.privateKey);
    await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'u1' });
    clock.advance(60_000);
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', text: { zh: '登录凭证已过期，请重新获取' } });
  });
});

describe('given a JWKS endpoint that fails, as the operator reads the log', () => {
  it.each([
    ['redirects elsewhere (302)', (res: import('node:http').ServerResponse) => res.writeHead(302, { location: 'https://idp.example/sso/login' }).end(), /HTTP 302.*https:\/\/idp\.example\/sso\/login/],
    ['answers 500 with an error page', (res: import('node:http').ServerResponse) => res.writeHead(500, { 'content-type': 'text/html' }).end('<h1>500</h1>'), /HTTP 500/],
    ['answers 200 with a login page, not JSON', (res: import('node:http').ServerResponse) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>统一身份认证平台</html>'), /JSON/],
  ])('(it %s), when a request comes, then the caller gets 503 identityProviderUnreachable, and the warning logged says what the endpoint did', async (_what, answer, logged) => {
    const idp = createServer((_req, res) => answer(res));
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    running.push(idp);
    const lines: { level: number; msg: string; err?: { message?: string } }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const text of chunk.toString('utf8').split('\n')) if (text) lines.push(JSON.parse(text) as (typeof lines)[number]);
        done();
      },
    });
    const dataDir = mkdtempSync(join(tmpdir(), 'api-idp-'));
    const app = await createApp(loadConfig({ WORKFLOW_DATA_DIR: dataDir, WORKFLOW_JWKS_URL: `http://127.0.0.1:${(idp.address() as AddressInfo).port}/jwks.json`, WORKFLOW_SQLITE_SYNCHRONOUS: 'OFF' }), { logger: createLogger({ level: 'info' }, sink) });
    const server = await buildServer(app);
    try {
      const keys = await generateKeyPair('RS256');
      const res = await server.inject({ method: 'GET', url: '/v1/inbox', headers: { authorization: `Bearer ${await sign(keys, new ManualClock())}` } });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ code: 'UNAVAILABLE', reason: 'identityProviderUnreachable', detail: '身份认证服务（JWKS）暂时无法访问，无法核验登录凭证，请稍后再试' });
      expect(res.headers['retry-after']).toBe('10');
      const warning = lines.find((line) => line.level === 40 && line.msg.startsWith('服务暂时无法处理请求'));
      expect(warning?.err?.message ?? '', JSON.stringify(warning)).toMatch(logged);
    } finally {
      await server.close();
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('checking the identity platform’s key set at start (npm start warns with the answer)', () => {
  /** A JWKS endpoint on 127.0.0.1 answering `status` and `body`. */
  async function serving(status: number, body: string): Promise<string> {
    const server = createServer((_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    running.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  }

  it('given a key set with an RS256 key, then nothing to say, and the first token is checked without another fetch', async () => {
    const keys = await generateKeyPair('RS256');
    const idp = await startIdp(keys);
    const clock = new ManualClock('2026-12-02T08:00:00.000Z');
    const verifier = createVerifier({ jwksUrl: idp.url, now: () => clock.now() });
    expect(await verifier.checkKeySet?.()).toBeUndefined();
    await expect(verifier.verify(await sign(keys, clock))).resolves.toMatchObject({ role: 'applicant' });
    expect(idp.fetches).toBe(1);
  });

  it('given a URL answering 404, garbage, a key set without an RSA key, or nothing at all, then it says which (operations QA: each started without a word, and every token was then 503)', async () => {
    const why = async (url: string) => createVerifier({ jwksUrl: url }).checkKeySet!();
    const notFound = await serving(404, '{"error":"not found"}');
    expect(await why(notFound)).toBe(`JWKS 地址 ${notFound} 回答 HTTP 404`);
    const login = await serving(200, '<html>login</html>');
    expect(await why(login)).toBe(`JWKS 地址 ${login} 返回的内容不是有效的公钥集（JWKS）`);
    const empty = await serving(200, '{}');
    expect(await why(empty)).toBe(`JWKS 地址 ${empty} 返回的内容不是有效的公钥集（JWKS）`);
    const ec = await serving(200, JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' }] }));
    expect(await why(ec)).toBe(`JWKS 地址 ${ec} 的公钥集中没有可校验 RS256 签名的 RSA 公钥（共 1 个公钥）`);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await why(`http://127.0.0.1:${port}/jwks.json`)).toMatch(new RegExp(`^无法从 JWKS 地址 http://127.0.0.1:${port}/jwks.json 取得公钥集（.*ECONNREFUSED`));
    // An https URL to a plain http server: OpenSSL's reason on one line, not its codes and source file.
    const plain = (await serving(200, '{}')).replace('http:', 'https:');
    expect(await why(plain)).toBe(`无法从 JWKS 地址 ${plain} 取得公钥集（TLS：wrong version number）`);
  });

  it('given a shared secret (no identity platform), then there is nothing to check', () => {
    expect(createVerifier({ secret: 'a'.repeat(32) }).checkKeySet).toBeUndefined();
  });
});
