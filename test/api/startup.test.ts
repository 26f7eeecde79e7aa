/**
 * What the server refuses to start with (API.md "Configuration"): in production, no token secret
 * and no JWKS URL; in production, the test clock. Refused before anything is opened or written.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { mintToken } from '../../api/auth.js';
import { buildServer } from '../../api/server.js';
import { ConfigError, loadConfig } from '../../infra/config.js';
import { createLogger } from '../../infra/logger.js';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'api-startup-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const start = (env: Record<string, string>) => createApp(loadConfig({ WORKFLOW_DATA_DIR: dataDir, ...env }), { logger: createLogger({ level: 'silent' }) });

/** RFC 7518 §3.2: an HS256 key of at least 256 bits (32 bytes), as production requires. */
const PRODUCTION_SECRET = 'a-production-secret-of-32-bytes!';

describe('with NODE_ENV=production', () => {
  // The command line is Chinese: the whole refusal is, with no English aside.
  it('when there is neither WORKFLOW_JWT_SECRET nor WORKFLOW_JWKS_URL, then it refuses to start, in Chinese only, and writes nothing', async () => {
    await expect(start({ NODE_ENV: 'production' })).rejects.toThrow(/^生产环境必须配置 WORKFLOW_JWT_SECRET（令牌密钥）或 WORKFLOW_JWKS_URL（身份提供方 JWKS 的网址）$/);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('when WORKFLOW_TEST_CLOCK=1, then it refuses to start, saying which setting to remove, in Chinese only', async () => {
    await expect(start({ NODE_ENV: 'production', WORKFLOW_JWT_SECRET: PRODUCTION_SECRET, WORKFLOW_TEST_CLOCK: '1' })).rejects.toThrow(/^生产环境不得开启测试时钟，请去掉 WORKFLOW_TEST_CLOCK=1$/);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('when it has a secret and no test clock, then it starts', async () => {
    const app = await start({ NODE_ENV: 'production', WORKFLOW_JWT_SECRET: PRODUCTION_SECRET });
    try {
      expect(app.testClock).toBeUndefined();
    } finally {
      await app.close();
    }
  });

  it('when a token signed with another key is sent, then 401 says the signature does not match, and not how the key is set up: any caller reads it', async () => {
    const app = await start({ NODE_ENV: 'production', WORKFLOW_JWT_SECRET: PRODUCTION_SECRET });
    const server = await buildServer(app);
    try {
      const token = await mintToken('another-servers-secret-of-32-bytes', { sub: 'u1', role: 'provider', org: '370100-gaj' }, '1h');
      for (const [lang, said] of [['zh', '登录凭证无效：签名不符，不是用本服务的密钥签发的'], ['en', "the token is not valid: its signature does not match this server's key"]] as const) {
        const res = await server.inject({ method: 'GET', url: '/v1/inbox', headers: { authorization: `Bearer ${token}`, 'accept-language': lang } });
        expect([res.statusCode, res.json().detail]).toEqual([401, said]);
      }
    } finally {
      await server.close();
      await app.close();
    }
  });
});

describe('in development', () => {
  it('when WORKFLOW_TEST_CLOCK=1, then it starts with the clock standing still', async () => {
    const app = await start({ WORKFLOW_TEST_CLOCK: '1' });
    try {
      expect(app.testClock).toBeDefined();
    } finally {
      await app.close();
    }
  });
});

describe('a setting that is wrong', () => {
  it.each(['ftp://idp.example/jwks.json', 'file:///etc/jwks.json', 'idp.example/jwks.json'])('given WORKFLOW_JWKS_URL=%s (not http or https), then ConfigError says what it should be, instead of a server whose every request answers 503', (url) => {
    expect(() => loadConfig({ WORKFLOW_JWKS_URL: url })).toThrow(
      `配置有误：WORKFLOW_JWKS_URL="${url}"：应为身份提供方 JWKS 的网址（http:// 或 https://），例如 https://idp.example/.well-known/jwks.json（不用时请删除该变量）`,
    );
    expect(loadConfig({ WORKFLOW_JWKS_URL: 'http://10.1.2.3:8080/jwks.json' }).jwksUrl).toBe('http://10.1.2.3:8080/jwks.json');
  });

  it('given wrong values, then ConfigError names each variable, what it should be and the value given — but never a secret or a connection string', () => {
    const attempt = () => loadConfig({ PORT: '70000', WORKFLOW_TEST_CLOCK: 'yes', WORKFLOW_JWT_SECRET: '', WORKFLOW_STORE: '' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(
      '配置有误：\n' +
        '  PORT="70000"：应为 0–65535 的端口号\n' +
        '  WORKFLOW_STORE：不能为空：sqlite 或 EventStoreDB 连接串（esdb://…）\n' +
        '  WORKFLOW_JWT_SECRET：不能为空（不用时请删除该变量）\n' +
        '  WORKFLOW_TEST_CLOCK="yes"：应为 0 或 1',
    );
  });
});

describe('an identity provider set up with something left open', () => {
  // Security QA: production took a JWKS over plain http, and any application's tokens of the platform,
  // without a word; a secret beside a JWKS URL was ignored silently.
  const warnings = async (env: Record<string, string>): Promise<string[]> => {
    const lines: { level: number; msg: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const text of chunk.toString('utf8').split('\n')) if (text) lines.push(JSON.parse(text) as { level: number; msg: string });
        done();
      },
    });
    const app = await createApp(loadConfig({ WORKFLOW_DATA_DIR: dataDir, ...env }), { logger: createLogger({ level: 'info' }, sink) });
    await app.close();
    return lines.filter((l) => l.level === 40).map((l) => l.msg);
  };

  it('given production, a JWKS over http to another host and neither audience nor issuer, then a warning for each at start', async () => {
    expect(await warnings({ NODE_ENV: 'production', WORKFLOW_JWKS_URL: 'http://idp.sd.gov.example/jwks.json' })).toEqual([
      'WORKFLOW_JWKS_URL 使用明文 http：能篡改这条链路的人可以换上自己的公钥并签发任何令牌（含 admin），请改用 https',
      '未配置 WORKFLOW_JWT_AUDIENCE 或 WORKFLOW_JWT_ISSUER：同一身份平台为其他应用签发的令牌也会被接受，请至少配置其一',
    ]);
  });

  it('given production, a JWKS over https (or http on this machine) with an audience, then none', async () => {
    expect(await warnings({ NODE_ENV: 'production', WORKFLOW_JWKS_URL: 'https://idp.sd.gov.example/jwks.json', WORKFLOW_JWT_AUDIENCE: 'sd-open-data' })).toEqual([]);
    expect(await warnings({ NODE_ENV: 'production', WORKFLOW_JWKS_URL: 'http://127.0.0.1:8080/jwks.json', WORKFLOW_JWT_ISSUER: 'https://idp.sd.gov.example' })).toEqual([]);
  });

  it('given a secret beside a JWKS URL, then a warning that the secret is not used', async () => {
    expect(await warnings({ WORKFLOW_JWKS_URL: 'https://idp.sd.gov.example/jwks.json', WORKFLOW_JWT_SECRET: PRODUCTION_SECRET })).toEqual([
      '同时配置了 WORKFLOW_JWKS_URL 与 WORKFLOW_JWT_SECRET：令牌只按身份提供方的 JWKS 校验，WORKFLOW_JWT_SECRET 不被使用',
    ]);
  });
});
