import { createLocalJWKSet, createRemoteJWKSet, customFetch, errors, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import type { Directory } from '../directory/directory.js';
import { asCode, asPartyCode, isCleanText, isCreditCode, isIdNumber } from '../machines/schemas.js';
import type { Actor } from '../machines/types.js';
import { systemClock } from '../infra/clock.js';
import { ApiError } from './problem.js';

/** The claims API.md "Identity" names; level and region come from the directory, never from here. */
/** A claim stamped on every event the caller sends: text as a form's text is (no NUL, no lone surrogate), of a sensible length. */
const Claim = z.string().min(1).max(200).refine(isCleanText);

const Claims = z.object({
  sub: Claim,
  name: Claim.optional(),
  role: z.enum(['applicant', 'provider', 'authority', 'supervisor', 'auditor', 'admin']),
  org: Claim,
});

export type Caller = Actor & { role: z.infer<typeof Claims>['role'] };

export interface Verifier {
  verify(token: string): Promise<Caller>;
  /**
   * With an identity provider's JWKS: when its key set last could not be fetched, from the first
   * failure until a fetch succeeds (undefined meanwhile otherwise). The keys fetched before keep
   * answering for up to an hour, so that requests do not show it: `/metrics` does.
   */
  keySetUnreachableSince?(): string | undefined;
  /**
   * With an identity provider's JWKS: fetches its key set now (as the first token would), and answers
   * why it cannot be used — unreachable, not a key set, or one with no key to check RS256 with — or
   * undefined when it can. Its keys are then held for the tokens that follow.
   */
  checkKeySet?(): Promise<string | undefined>;
}

const unauthenticated = (why: { zh: string; en: string }) => new ApiError('UNAUTHENTICATED', why);

/** Verified tokens kept so a busy client is not re-verified on every request (the signature check dominates a command's CPU). */
const CACHE_SIZE = 10_000;

/**
 * How long a verified token is trusted without verifying it again, and how long the identity
 * provider's key set is kept: a key it withdraws stops working here within about twice this. Kept
 * until their own `exp` (a day, a year), tokens signed with a withdrawn key went on working until a
 * restart (security QA).
 */
const RECHECK_MS = 5 * 60_000;

/**
 * The directory's kind of organisation each government role must belong to (第四条, 第五条); a
 * supervisor's and an auditor's too, as their region is their organisation's (第十九条: the
 * 主管部门 supervises): named as a provider unit, a supervisor saw its whole region's reports, and an
 * auditor exported every event of it (security QA). An admin's too: it sees every case, with the
 * applicants' personal data, and exports every event, and a token naming any code at all (`--org
 * whoever`) did (privacy QA); the platform is the 主管部门's to build and run (第六条).
 */
const KIND_OF_ROLE: Partial<Record<Caller['role'], 'provider' | 'authority'>> = {
  provider: 'provider',
  authority: 'authority',
  supervisor: 'authority',
  auditor: 'authority',
  admin: 'authority',
};
/** What the role would do, in the refusal. */
const DOING: Partial<Record<Caller['role'], string>> = { supervisor: '查看报表', auditor: '查看审计记录', admin: '管理平台' };
const KIND_NAME = { provider: { zh: '公共数据开放主体', en: 'a provider unit' }, authority: { zh: '公共数据开放主管部门', en: 'a competent authority' } };

/**
 * A token says who acts; the directory says what an organisation is. A provider's or an
 * authority's token must name an organisation of that kind, or a bureau could approve, as a
 * "provider", what it has itself reviewed as the authority.
 */
export function checkRoleAgainstDirectory(caller: Pick<Caller, 'role' | 'org'>, directory: Directory): void {
  if (caller.role === 'applicant') {
    // An applicant is a person or an organisation outside the directory (第二条: 自然人、法人和非法人组织).
    // One named by a directory code held its duties (results, destruction) under that code, and the
    // 第十九条 reports counted them late against the bureau (security QA: 济南市大数据局).
    const named = directory.get(caller.org);
    if (named) {
      throw new ApiError('FORBIDDEN', {
        zh: `${named.name}（${caller.org}）是机构目录中的机构，不能以 applicant 角色申请或办理：申请人以其统一社会信用代码、身份证号或身份平台的登录账号标识`,
        en: `${named.name} (${caller.org}) is an organisation of the directory and cannot act as an applicant: an applicant is identified by its credit code, ID number or the identity platform's login id`,
      });
    }
    // Its code spelt otherwise (upper case, full width, padded, a zero-width space): the bureau all the same
    // to a reader. Security QA: `370100-GAJ` acted as an applicant, and its objection stood in 济南市公安局's
    // own inbox as raised by "370100-gaj（济南市公安局）". Only refused, never read as the bureau: a login id
    // is compared exactly (`tokenOrg`).
    const lookalike = directory.get(lookalikeCode(caller.org));
    if (lookalike) {
      throw new ApiError('FORBIDDEN', {
        zh: `登录凭证中的机构编码“${caller.org}”与机构目录中${lookalike.name}的编码 ${lookalike.code} 仅有大小写、全角半角或空白字符之别，不能以 applicant 角色申请或办理：申请人以其统一社会信用代码、身份证号或身份平台的登录账号标识`,
        en: `the organisation code "${caller.org}" in the token differs from ${lookalike.name}'s code ${lookalike.code} in the directory only by letter case, width or blank characters, and cannot act as an applicant: an applicant is identified by its credit code, ID number or the identity platform's login id`,
      });
    }
    return;
  }
  const kind = KIND_OF_ROLE[caller.role];
  if (!kind) return;
  const org = directory.get(caller.org);
  // 机构改革: an abolished, renamed or merged organisation does nothing more; its successor does its
  // work (its inbox holds the old tasks). A token still naming it is told whose name to act in.
  const abolished = directory.abolished(caller.org);
  if (abolished) throw new ApiError('FORBIDDEN', { zh: `${abolished.zh}：请以该机构的身份办理`, en: `${abolished.en}: act as that organisation` });
  if (org?.kind === kind) {
    // 第六条: the provincial 主管部门 builds and runs the platform (组织建设开放平台); a city's or a county's
    // manages its own level's data on it, as authority, supervisor or auditor. Security QA: a county
    // bureau's admin token listed every case of the province, exported every event, moved the test
    // clock and could load holiday notices.
    if (caller.role === 'admin' && org.level !== 'province') {
      throw new ApiError('FORBIDDEN', {
        zh: `${org.name}（${caller.org}）不是省公共数据开放主管部门，不能以 admin 角色管理平台：开放平台由省大数据工作主管部门组织建设（第六条），市、县主管部门以 authority、supervisor 或 auditor 角色办理本级工作`,
        en: `${org.name} (${caller.org}) is not the provincial competent authority and cannot act as admin: the provincial authority builds and runs the platform (Article 6); a city's or a county's acts as authority, supervisor or auditor for its own level`,
      });
    }
    return;
  }
  const role = KIND_NAME[kind];
  throw new ApiError(
    'FORBIDDEN',
    org
      ? {
          zh: `${org.name}（${caller.org}）在机构目录中不是${role.zh}，不能以 ${caller.role} 角色${DOING[caller.role] ?? '办理'}`,
          en: `${org.name} (${caller.org}) is not ${role.en} in the organisation directory and cannot act as ${caller.role}`,
        }
      : {
          zh: `机构目录中没有编码为 ${caller.org} 的${role.zh}，不能以 ${caller.role} 角色${DOING[caller.role] ?? '办理'}`,
          en: `the organisation directory has no ${caller.org}: it cannot act as ${caller.role}`,
        },
  );
}

/**
 * How far the identity provider's clock and ours may differ (`exp`, `nbf`, `iat`): without it, a
 * token issued by a platform a few seconds ahead (nbf = iat = its now) was 401 "登录凭证无效" for
 * those seconds, and one a few seconds behind, 401 "已过期" while its clock still gave it time.
 * Bounded: a token expired longer ago than this is refused.
 */
const CLOCK_SKEW_S = 60;

/**
 * The longest a token may still be good for: a year (jose's `1y`, 365.25 days, in seconds), as
 * `npm run token -- --expires` allows at most. A token good for longer (`exp` decades ahead) is refused,
 * as one issued in the future (`iat` past the clock skew) is: jose checks `iat` only with a maximum
 * age, so such tokens were taken, though a leaked one would then work for ever.
 */
export const MAX_TOKEN_LIFETIME_S = 31_557_600;

/** Why jose refused a token, for the 401. */
function whyRefused(err: unknown, signedHere: boolean, setUpHints: boolean): { zh: string; en: string } {
  const { code, claim, reason } = err as { code?: string; claim?: string; reason?: string };
  if (code === 'ERR_JWT_EXPIRED') return { zh: '登录凭证已过期，请重新获取', en: 'the token has expired: get a new one' };
  // A token minted by `npm run token` against another data folder (its own dev-jwt-secret) read
  // '登录凭证无效', which gave a newcomer no cause to look for. How the key is set up is told only
  // outside production: there, any caller would read the server's settings.
  if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' && signedHere) {
    return setUpHints
      ? {
          zh: '登录凭证无效：签名不符，不是用本服务的密钥签发的（npm run token 须与服务使用同一数据目录 WORKFLOW_DATA_DIR，或同一 WORKFLOW_JWT_SECRET）',
          en: "the token is not valid: its signature does not match this server's key (npm run token must use the server's data folder, WORKFLOW_DATA_DIR, or its WORKFLOW_JWT_SECRET)",
        }
      : { zh: '登录凭证无效：签名不符，不是用本服务的密钥签发的', en: "the token is not valid: its signature does not match this server's key" };
  }
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && claim === 'aud') return { zh: '登录凭证不是签发给本系统的（aud 不符）', en: 'the token was not issued for this system (aud)' };
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && claim === 'iss') return { zh: '登录凭证的签发方（iss）不是所配置的身份提供方', en: 'the token was not issued by the configured identity provider (iss)' };
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && claim === 'nbf' && reason === 'check_failed') {
    return { zh: '登录凭证尚未生效（nbf 晚于当前时间）', en: 'the token is not valid yet (nbf is in the future)' };
  }
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && claim === 'exp' && reason === 'missing') {
    return { zh: '登录凭证没有有效期（exp），不予接受', en: 'the token has no expiry (exp claim)' };
  }
  return { zh: '登录凭证无效', en: 'the token is not valid' };
}

/**
 * Whether verifying failed for want of the key set, not because of the token: a timeout, a fetch
 * that failed (refused, unresolvable: not one of jose's own errors, all `ERR_J…`), an answer other
 * than 200 or not a key set.
 */
function keySetUnreachable(err: unknown): boolean {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  if (code === 'ERR_JWKS_TIMEOUT' || code === 'ERR_JWKS_INVALID') return true;
  if (typeof code !== 'string' || !code.startsWith('ERR_J')) return true;
  return code === 'ERR_JOSE_GENERIC' && typeof message === 'string' && message.includes('JSON Web Key Set');
}

/** How long, after the key set could not be fetched, the identity provider is not asked again: the 503's Retry-After. */
const RETRY_AFTER_S = 10;

/**
 * jose's fetch of the key set, failing with the endpoint's status (and where it redirects to) in the
 * message: jose's own says only "Expected 200 OK", and the operator reading the 503's warning could
 * not tell a platform down (500) from a URL that redirects to a login page (302, not followed).
 */
async function fetchSayingStatus(input: string, init: RequestInit): Promise<Response> {
  const response = await fetch(input, init);
  if (response.status === 200) return response;
  const location = response.headers.get('location');
  await response.body?.cancel();
  throw Object.assign(new Error(`JWKS 地址 ${input} 回答 HTTP ${response.status}${location ? `，重定向到 ${location}（不跟随重定向：WORKFLOW_JWKS_URL 应为最终地址）` : ''}`), { code: 'JWKS_HTTP_STATUS' });
}

/**
 * How long the key set last fetched is still used while the identity provider cannot be reached.
 * Without it, a platform down for a minute when the key set was due again (every `RECHECK_MS`)
 * made every token not already cached 503, though the keys had been fetched minutes before. A key
 * the platform withdraws stops working at the first fetch that succeeds, as before.
 */
const KEYS_KEPT_WHILE_UNREACHABLE_MS = 60 * 60_000;

/**
 * How soon a token naming a key the set in hand lacks fetches the set again (jose waits 30 s by default):
 * a platform rotating its signing key publishes the new one and signs with it at once, and every such
 * token was 401 "登录凭证无效" for up to 30 s (operations QA). A token with a made-up `kid` makes at most
 * one fetch per this while.
 */
const UNKNOWN_KEY_COOLDOWN_MS = 5_000;

/**
 * The identity provider's key set (jose's remote set), not fetched again for `RETRY_AFTER_S` after
 * a fetch failed. jose remembers only successes: while the endpoint answered 500 or refused, every
 * request for which no token was cached fetched it again (20 requests, 20 fetches), pressing on a
 * platform already in trouble and making each request wait for its own failed fetch. While it
 * cannot be reached, the keys last fetched answer, for `KEYS_KEPT_WHILE_UNREACHABLE_MS`; a token
 * they do not cover is 503 again, with no fetch.
 */
function remoteKeySet(
  url: URL,
  cacheMaxAge: number,
  now: () => Date,
): { getKey: JWTVerifyGetKey; unreachableSince(): string | undefined; checkKeySet(): Promise<string | undefined> } {
  let fetches = 0;
  const remote = createRemoteJWKSet(url, {
    cacheMaxAge,
    cooldownDuration: UNKNOWN_KEY_COOLDOWN_MS,
    [customFetch]: async (input: string, init: RequestInit) => {
      const response = await fetchSayingStatus(input, init);
      fetches += 1;
      return response;
    },
  });
  let failed: { untilMs: number; err: unknown } | undefined;
  /** When a key set was last fetched and taken; its keys, made when first needed. */
  let held: { fetchedMs: number; getKey?: ReturnType<typeof createLocalJWKSet> } | undefined;
  const fromHeld = async (header: Parameters<JWTVerifyGetKey>[0], token: Parameters<JWTVerifyGetKey>[1], failure: unknown) => {
    const jwks = remote.jwks();
    if (!held || !jwks || now().getTime() - held.fetchedMs > KEYS_KEPT_WHILE_UNREACHABLE_MS) throw failure;
    held.getKey ??= createLocalJWKSet(jwks);
    try {
      return await held.getKey(header, token);
    } catch (err) {
      throw err instanceof errors.JWKSNoMatchingKey ? failure : err;
    }
  };
  let unreachableSince: string | undefined;
  const getKey: JWTVerifyGetKey = async (header, token) => {
    if (failed && now().getTime() < failed.untilMs) return fromHeld(header, token, failed.err);
    const before = fetches;
    try {
      const key = await remote(header, token);
      // A fetch answered 200 during a call that succeeded: jose took the set it fetched.
      if (fetches !== before || !held) held = { fetchedMs: now().getTime() };
      failed = undefined;
      unreachableSince = undefined;
      return key;
    } catch (err) {
      if (!keySetUnreachable(err)) throw err;
      failed = { untilMs: now().getTime() + RETRY_AFTER_S * 1000, err };
      unreachableSince ??= now().toISOString();
      return fromHeld(header, token, err);
    }
  };
  const checkKeySet = async (): Promise<string | undefined> => {
    try {
      await remote.reload();
    } catch (err) {
      // jose's: malformed, or not JSON at all ("Failed to parse the JSON Web Key Set HTTP response as JSON").
      if (err instanceof errors.JWKSInvalid || (err instanceof errors.JOSEError && /JSON Web Key Set/.test(err.message))) return `JWKS 地址 ${url.href} 返回的内容不是有效的公钥集（JWKS）`;
      if (err instanceof errors.JWKSTimeout) return `JWKS 地址 ${url.href} 在限定时间内没有回答`;
      // Our own "回答 HTTP 404", or fetch's "fetch failed" with its cause (ECONNREFUSED, a certificate not trusted).
      if ((err as { code?: unknown }).code === 'JWKS_HTTP_STATUS') return (err as Error).message;
      const cause = (err as Error).cause as Error | undefined;
      // OpenSSL's own words, one line of them: "…:SSL routines:ssl3_get_record:wrong version number:<source file>:350:\n" (an https URL to a plain http server).
      const said = (cause?.message ?? (err as Error).message).trim();
      const openssl = /SSL routines:[^:]*:([^:]+)/.exec(said)?.[1];
      return `无法从 JWKS 地址 ${url.href} 取得公钥集（${openssl ? `TLS：${openssl}` : said.split('\n')[0]}）`;
    }
    const keys = remote.jwks()?.keys ?? [];
    if (!keys.some((k) => k.kty === 'RSA' && (k.use === undefined || k.use === 'sig') && (k.alg === undefined || k.alg === 'RS256'))) {
      return `JWKS 地址 ${url.href} 的公钥集中没有可校验 RS256 签名的 RSA 公钥（共 ${keys.length} 个公钥）`;
    }
    return undefined;
  };
  return { getKey, unreachableSince: () => unreachableSince, checkKeySet };
}

/**
 * HS256 with a shared secret, or RS256 from an identity provider's JWKS; with `directory`, a
 * provider's token must name a provider there, and an authority's, a supervisor's or an auditor's
 * an authority (`KIND_OF_ROLE`; else 403).
 */
export function createVerifier(options: {
  secret?: string;
  jwksUrl?: string;
  directory?: Directory;
  /** Tokens are judged by the real time (a test clock moved ahead does not expire them); tests move it. */
  now?: () => Date;
  /** How long a verified token is kept (by `now`). Default `RECHECK_MS`. */
  recheckMs?: number;
  /** How long the key set is kept (by jose, in real time). Default `RECHECK_MS`. */
  keySetMaxAgeMs?: number;
  /**
   * The `aud` and `iss` a token must name (WORKFLOW_JWT_AUDIENCE, WORKFLOW_JWT_ISSUER). A provincial
   * identity platform signs every application's tokens with the same keys: without them, a token it
   * issued for another application, with a `role` of that application's (admin), was taken here.
   */
  audience?: string;
  issuer?: string;
  /** Whether a 401 may say how this server's key is set up (npm run token, WORKFLOW_DATA_DIR): not in production. Default true. */
  setUpHints?: boolean;
}): Verifier {
  const now = options.now ?? (() => systemClock.now());
  const recheckMs = options.recheckMs ?? RECHECK_MS;
  const remote = options.jwksUrl ? remoteKeySet(new URL(options.jwksUrl), options.keySetMaxAgeMs ?? RECHECK_MS, now) : undefined;
  const key: Uint8Array | JWTVerifyGetKey = remote ? remote.getKey : new TextEncoder().encode(options.secret ?? '');
  const algorithms = options.jwksUrl ? ['RS256'] : ['HS256'];
  const verified = new Map<string, { caller: Caller; expiresMs: number }>();
  return {
    async verify(token) {
      const hit = verified.get(token);
      if (hit && hit.expiresMs > now().getTime()) return hit.caller;
      if (hit) verified.delete(token);
      return verifyOnce(token);
    },
    ...(remote ? { keySetUnreachableSince: remote.unreachableSince, checkKeySet: remote.checkKeySet } : {}),
  };

  /**
   * jose's check of the token. A token naming no `kid` while the key set holds more than one key it
   * could be (a platform rotating its key publishes both) was refused: jose leaves trying each to
   * the caller. The one that verifies it is taken.
   */
  async function verifySignature(token: string) {
    const verifyOptions = {
      algorithms,
      requiredClaims: ['exp'],
      currentDate: now(),
      clockTolerance: CLOCK_SKEW_S,
      ...(options.audience ? { audience: options.audience } : {}),
      ...(options.issuer ? { issuer: options.issuer } : {}),
    };
    try {
      return await jwtVerify(token, key as Uint8Array, verifyOptions);
    } catch (err) {
      if (!(err instanceof errors.JWKSMultipleMatchingKeys)) throw err;
      let refusal: unknown = err;
      for await (const candidate of err) {
        try {
          return await jwtVerify(token, candidate, verifyOptions);
        } catch (other) {
          if (!(other instanceof errors.JWSSignatureVerificationFailed)) throw other;
          refusal = other;
        }
      }
      throw refusal;
    }
  }

  async function verifyOnce(token: string): Promise<Caller> {
    let payload: unknown;
    try {
      // A token must say when it expires: one without `exp` would be good for ever, however it leaked.
      payload = (await verifySignature(token)).payload;
    } catch (err) {
      // The identity provider out of reach is the server's trouble: the caller's token may be good.
      if (options.jwksUrl && keySetUnreachable(err)) {
        throw new ApiError(
          'UNAVAILABLE',
          { zh: '身份认证服务（JWKS）暂时无法访问，无法核验登录凭证，请稍后再试', en: 'the identity provider (JWKS) cannot be reached, so the token cannot be checked; try again shortly' },
          { reason: 'identityProviderUnreachable', retryAfter: RETRY_AFTER_S },
          err,
        );
      }
      throw unauthenticated(whyRefused(err, !options.jwksUrl, options.setUpHints ?? true));
    }
    const nowS = now().getTime() / 1000;
    const { iat, exp } = payload as { iat?: unknown; exp: number };
    if (typeof iat === 'number' && iat > nowS + CLOCK_SKEW_S) {
      throw unauthenticated({ zh: '登录凭证的签发时间（iat）晚于当前时间', en: 'the token says it was issued in the future (iat)' });
    }
    if (exp > nowS + MAX_TOKEN_LIFETIME_S + CLOCK_SKEW_S) {
      throw unauthenticated({ zh: '登录凭证的有效期超过一年（exp）：请使用有效期不超过一年的登录凭证', en: 'the token is good for more than a year (exp): use one that expires within a year' });
    }
    const claims = Claims.safeParse(payload);
    if (!claims.success) throw unauthenticated({ zh: '登录凭证的声明（sub、role、org、name）缺失或无效', en: 'the token\'s claims (sub, role, org, name) are missing or not valid' });
    // A person's 身份证号 or a company's 统一社会信用代码 as forms store them, in upper case: an objection
    // from a token of `…004x` was filed as an organisation's, the ID number shown in full in the
    // provider's inbox, and neither the case-list filter nor the same person's `…004X` token found it.
    const org = tokenOrg(claims.data.org);
    const caller: Caller = { sub: claims.data.sub, role: claims.data.role, org, ...(claims.data.name ? { name: claims.data.name } : {}) };
    if (options.directory) checkRoleAgainstDirectory(caller, options.directory);
    // Kept until the token expires, leeway included (jose has checked that exp is there and is a number), or verified again after `recheckMs`.
    const expiresMs = Math.min(((payload as { exp: number }).exp + CLOCK_SKEW_S) * 1000, now().getTime() + recheckMs);
    if (verified.size >= CACHE_SIZE) verified.delete(verified.keys().next().value!);
    verified.set(token, { caller, expiresMs });
    return caller;
  }
}

/**
 * Letters a reader takes for those of a directory code (`370100-gaj`): Cyrillic and Greek look-alikes
 * of Latin letters, and the letters read as the region's digits (O for 0, l and I for 1).
 */
const CONFUSABLE: Readonly<Record<string, string>> = {
  а: 'a', в: 'b', е: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x', і: 'i', ј: 'j', ѕ: 's', ԁ: 'd', ԛ: 'q', ԝ: 'w', ɡ: 'g',
  α: 'a', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x',
};

/**
 * A code as a reader would take it: `asCode` (NFKC: full width), no blank or invisible character (zero-width,
 * no-break), any dash a hyphen, look-alike letters Latin, lower case, and in the six digits of a region
 * O as 0 and l or I as 1 — a directory code's spelling. QA of the first check: `370100-gаj` (a Cyrillic
 * а), `370100‐gaj` (U+2010) and `37O100-gaj` still acted as applicants.
 */
function lookalikeCode(claim: string): string {
  const plain = asCode(claim)
    .replace(/[\s\p{Cf}\p{Z}]/gu, '')
    .replace(/[\p{Pd}\u2212]/gu, '-')
    .toLowerCase()
    .replace(/./gu, (c) => CONFUSABLE[c] ?? c);
  const dash = plain.indexOf('-');
  return dash < 0 ? plain : plain.slice(0, dash).replace(/o/g, '0').replace(/[li]/g, '1') + plain.slice(dash);
}

/**
 * The organisation a token names. A 身份证号 or a 统一社会信用代码 is read as forms store it (asPartyCode:
 * NFKC, trimmed, upper case), so `…004x`, a full-width or a padded spelling is the party itself (README
 * "For reviewers"). Any other code — a directory code, an applicant known to the identity platform by a
 * login id — is the caller's identity as the platform issued it, compared exactly: folded too, another
 * account whose id differed only by full-width letters (ｐｅｒｓｏｎ-u-liming), a full-width hyphen or a
 * zero-width or no-break space at an end was the same applicant, and read that person's cases, their
 * 身份证号 and phone with them (security QA).
 */
function tokenOrg(claim: string): string {
  const folded = asPartyCode(claim);
  return isIdNumber(folded) || isCreditCode(folded) ? folded : claim;
}

/** Callers already established, per request (the `onRequest` hook, then the handler). */
const callers = new WeakMap<FastifyRequest, Caller>();

/** The caller a request was authenticated as, if it was (`callerOf` has run and answered). */
export function authenticatedCaller(request: FastifyRequest): Caller | undefined {
  return callers.get(request);
}

/** The caller of a request, from its bearer token (verified once per request). */
export async function callerOf(request: FastifyRequest, verifier: Verifier): Promise<Caller> {
  const known = callers.get(request);
  if (known) return known;
  // Not a list field (RFC 9110 §11.6.2): Node keeps the first of two and drops the other, which a
  // proxy in front may have read instead; two credentials say no one caller.
  const raw = request.raw.rawHeaders;
  let given = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === 'authorization') given++;
  if (given > 1) throw unauthenticated({ zh: '请求中有多个 Authorization 请求头：只能携带一个登录凭证', en: 'the request has more than one Authorization header: send one token' });
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) throw unauthenticated({ zh: '缺少登录凭证（Authorization: Bearer …）', en: 'no bearer token' });
  const caller = await verifier.verify(match[1]!);
  callers.set(request, caller);
  return caller;
}

/** The roles of a route only an admin may use (`onlyRoles`). */
export const ADMIN: ReadonlySet<string> = new Set(['admin']);

/**
 * A route's `onRequest` hook that lets only `roles` through: 403 with `why` before the body or the
 * query is read or checked, as a case command's wrong party is told before its data (API.md: an
 * applicant sending a holiday notice learns it may not, not what the notice lacks). The server's own
 * hook has authenticated the caller by then.
 */
export function onlyRoles(verifier: Verifier, roles: ReadonlySet<string>, why: { zh: string; en: string }): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    const caller = await callerOf(request, verifier);
    if (!roles.has(caller.role)) throw new ApiError('FORBIDDEN', why);
  };
}

/** Mints a development token (npm run token, the demo and tests), always with `exp`: the verifier refuses a token without one. */
export async function mintToken(secret: string, claims: z.input<typeof Claims>, expiresIn = '12h', names: { issuer?: string | undefined; audience?: string | undefined } = {}): Promise<string> {
  const jwt = new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256' }).setSubject(claims.sub).setIssuedAt().setExpirationTime(expiresIn);
  // What a server with WORKFLOW_JWT_ISSUER / WORKFLOW_JWT_AUDIENCE requires of every token.
  if (names.issuer !== undefined) jwt.setIssuer(names.issuer);
  if (names.audience !== undefined) jwt.setAudience(names.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
