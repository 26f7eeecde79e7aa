/**
 * infra/config.ts reads the environment: a value that would start the server wrongly — on a port
 * other than the one meant, or signing tokens with a guessable key — is refused, naming the variable.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, developmentSecret, loadConfig, readJsonFile } from '../../infra/config.js';
import { createLogger } from '../../infra/logger.js';

/** The message loadConfig refuses `env` with. */
function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`accepted: ${JSON.stringify(env)}`);
}

describe('PORT', () => {
  it('given no PORT, then 3000; given decimal digits from 0 to 65535, then that port (0: the system chooses)', () => {
    expect(loadConfig({}).port).toBe(3000);
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
    expect(loadConfig({ PORT: '8080' }).port).toBe(8080);
    expect(loadConfig({ PORT: '65535' }).port).toBe(65535);
  });

  it('given an empty or blank PORT, then it is refused as an empty HOST is, not started on a random port', () => {
    expect(refusal({ PORT: '' })).toBe('配置有误：PORT=""：不能为空');
    expect(refusal({ PORT: ' ' })).toBe('配置有误：PORT=" "：不能为空');
    expect(refusal({ HOST: '' })).toBe('配置有误：HOST=""：不能为空');
  });

  it('given anything but decimal digits (hexadecimal, an exponent, a sign, a fraction, spaces) or more than 65535, then it is refused', () => {
    for (const port of ['0x10', '1e3', '+80', '-1', '80.0', ' 80', '80 ', '8 0', '65536', '99999999999999999999', 'http']) {
      expect(refusal({ PORT: port }), port).toBe(`配置有误：PORT=${JSON.stringify(port)}：应为 0–65535 的端口号`);
    }
  });
});

describe('NODE_ENV', () => {
  it('given production in any case, with spaces around, then production; given anything else or nothing, then not', () => {
    for (const env of ['production', 'Production', 'PRODUCTION', ' production ']) {
      expect(loadConfig({ NODE_ENV: env }).production, env).toBe(true);
    }
    for (const env of ['development', 'test', 'prod', '']) expect(loadConfig({ NODE_ENV: env }).production, env).toBe(false);
    expect(loadConfig({}).production).toBe(false);
  });
});

describe('WORKFLOW_JWT_SECRET', () => {
  const tooShort = '配置有误：WORKFLOW_JWT_SECRET：生产环境中 HS256 密钥至少应为 32 字节（RFC 7518 §3.2），请换用更长的随机密钥，例如 openssl rand -base64 32 的输出';

  it('given production and a secret shorter than 32 bytes, then it is refused (RFC 7518 §3.2: 256 bits for HS256), without showing the secret', () => {
    expect(refusal({ NODE_ENV: 'production', WORKFLOW_JWT_SECRET: 'a-production-secret' })).toBe(tooShort);
    expect(refusal({ NODE_ENV: 'production', WORKFLOW_JWT_SECRET: 'x'.repeat(31) })).toBe(tooShort);
  });

  it('given production, then the length counted is in UTF-8 bytes, not characters', () => {
    // 10 three-byte characters and one ASCII: 11 characters, 31 bytes.
    expect(refusal({ NODE_ENV: 'production', WORKFLOW_JWT_SECRET: `${'密'.repeat(10)}a` })).toBe(tooShort);
    expect(loadConfig({ NODE_ENV: 'production', WORKFLOW_JWT_SECRET: '山东省公共数据开放工作' }).jwtSecret).toBe('山东省公共数据开放工作');
    expect(loadConfig({ NODE_ENV: 'production', WORKFLOW_JWT_SECRET: 'abcdefgh'.repeat(4) }).jwtSecret).toBe('abcdefgh'.repeat(4));
  });

  it('given production and a long secret of few characters (36 spaces, x after x), then it is refused as too simple; hex (16 characters) is not', () => {
    const tooSimple = '配置有误：WORKFLOW_JWT_SECRET：生产环境中 HS256 密钥过于简单（不足 8 种不同字符，如全是空格或同一字符重复），请换用随机密钥，例如 openssl rand -base64 32 的输出';
    expect(refusal({ NODE_ENV: 'production', WORKFLOW_JWT_SECRET: ' '.repeat(36) })).toBe(tooSimple);
    expect(refusal({ NODE_ENV: 'production', WORKFLOW_JWT_SECRET: 'x'.repeat(32) })).toBe(tooSimple);
    expect(refusal({ NODE_ENV: 'production', WORKFLOW_JWT_SECRET: 'abcdefg'.repeat(5) })).toBe(tooSimple);
    const hex = '3f9a0c6e1b7d4285aa90cd13e57f2b68904d1c7e6a3b5f28d0e4c9a1b7f36e52';
    expect(loadConfig({ NODE_ENV: 'production', WORKFLOW_JWT_SECRET: hex }).jwtSecret).toBe(hex);
    // Outside production any non-empty secret stays accepted (tests, a developer's).
    expect(loadConfig({ WORKFLOW_JWT_SECRET: ' '.repeat(36) }).jwtSecret).toBe(' '.repeat(36));
  });

  it('given NODE_ENV=Production (not lower case), then the short secret is refused there too', () => {
    expect(refusal({ NODE_ENV: 'PRODUCTION', WORKFLOW_JWT_SECRET: 'short' })).toBe(tooShort);
  });

  it('given production and an empty secret, then only that it is empty', () => {
    expect(refusal({ NODE_ENV: 'production', WORKFLOW_JWT_SECRET: '' })).toBe('配置有误：WORKFLOW_JWT_SECRET：不能为空（不用时请删除该变量）');
  });

  it('given development or tests, then any non-empty secret', () => {
    expect(loadConfig({ WORKFLOW_JWT_SECRET: 's' }).jwtSecret).toBe('s');
    expect(loadConfig({ NODE_ENV: 'test', WORKFLOW_JWT_SECRET: 'short' }).jwtSecret).toBe('short');
  });
});

describe('the development secret (dev-jwt-secret in the data folder)', () => {
  it('given no file, then one is made and kept: the same secret at every call', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wf-dev-secret-'));
    try {
      const secret = developmentSecret(dir);
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(developmentSecret(dir)).toBe(secret);
      expect(readFileSync(join(dir, 'dev-jwt-secret'), 'utf8')).toBe(`${secret}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('given an empty file (a write cut short by a full disk), then a secret is made afresh and kept, not the empty one (every token refused, npm run token dying on a key of no bytes)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wf-dev-secret-'));
    try {
      writeFileSync(join(dir, 'dev-jwt-secret'), '\n');
      const secret = developmentSecret(dir);
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(developmentSecret(dir)).toBe(secret);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('WORKFLOW_SQLITE_SYNCHRONOUS', () => {
  it('given a level in any case, then that level in upper case, as SQLite reads it', () => {
    expect(loadConfig({}).sqliteSynchronous).toBe('FULL');
    expect(loadConfig({ WORKFLOW_SQLITE_SYNCHRONOUS: 'full' }).sqliteSynchronous).toBe('FULL');
    expect(loadConfig({ WORKFLOW_SQLITE_SYNCHRONOUS: 'Normal' }).sqliteSynchronous).toBe('NORMAL');
    expect(loadConfig({ WORKFLOW_SQLITE_SYNCHRONOUS: 'extra' }).sqliteSynchronous).toBe('EXTRA');
    expect(loadConfig({ WORKFLOW_SQLITE_SYNCHRONOUS: 'oFF' }).sqliteSynchronous).toBe('OFF');
  });

  it('given something else, then it is refused with the value as given', () => {
    expect(refusal({ WORKFLOW_SQLITE_SYNCHRONOUS: 'fast' })).toBe('配置有误：WORKFLOW_SQLITE_SYNCHRONOUS="fast"：应为 FULL、NORMAL、EXTRA、OFF 之一');
  });
});

describe('LOG_LEVEL', () => {
  it('given a level in any case or with spaces around, then it is taken, and the logger runs at it', () => {
    const before = process.env.LOG_LEVEL;
    try {
      for (const [given, level] of [['INFO', 'info'], [' Debug ', 'debug'], ['warn', 'warn']] as const) {
        expect(() => loadConfig({ LOG_LEVEL: given })).not.toThrow();
        process.env.LOG_LEVEL = given;
        expect(createLogger().level).toBe(level);
      }
    } finally {
      if (before === undefined) delete process.env.LOG_LEVEL;
      else process.env.LOG_LEVEL = before;
    }
  });

  it('given no level pino knows, or an empty one, then it is refused with the value as given', () => {
    expect(refusal({ LOG_LEVEL: 'Loud' })).toBe('配置有误：LOG_LEVEL="Loud"：应为 fatal、error、warn、info、debug、trace、silent 之一');
    expect(refusal({ LOG_LEVEL: '' })).toBe('配置有误：LOG_LEVEL=""：应为 fatal、error、warn、info、debug、trace、silent 之一');
  });
});

describe('a JSON settings file (WORKFLOW_ORGS, a holiday notice)', () => {
  it('given one saved by Windows Notepad (UTF-8 with a byte order mark), then it reads as the same JSON, not "not valid JSON"', () => {
    const dir = mkdtempSync(join(tmpdir(), 'json-settings-'));
    try {
      const shipped = readFileSync(fileURLToPath(new URL('../../directory/data/shandong.json', import.meta.url)), 'utf8');
      writeFileSync(join(dir, 'orgs.json'), `\uFEFF${shipped}`);
      expect(readJsonFile(join(dir, 'orgs.json'))).toEqual(JSON.parse(shipped));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('WORKFLOW_STORE', () => {
  // Mutation QA (pass 3): the documented value sqlite, set explicitly, could be refused at start with every test passing (each left it unset).
  it('given none, or sqlite set explicitly, then the embedded store; given an EventStoreDB connection string, then that; given anything else, then it is refused', () => {
    expect(loadConfig({}).store).toBe('sqlite');
    expect(loadConfig({ WORKFLOW_STORE: 'sqlite' }).store).toBe('sqlite');
    expect(loadConfig({ WORKFLOW_STORE: 'esdb://localhost:2113?tls=false' }).store).toBe('esdb://localhost:2113?tls=false');
    expect(refusal({ WORKFLOW_STORE: 'postgres://db' })).toMatch(/^配置有误：WORKFLOW_STORE：应为 sqlite，或 EventStoreDB 连接串/);
  });
});

describe('WORKFLOW_DATA_DIR', () => {
  // Operators' QA: typed in docs/, `WORKFLOW_DATA_DIR=../../x npm run backup` said 数据目录 ../../x 中没有事件库 —
  // relative to the project's folder, where npm runs the script, not to where it was typed.
  it('given a relative folder or none, then it is taken from the folder the process runs in, and held in full', () => {
    expect(loadConfig({ WORKFLOW_DATA_DIR: '../../x' }).dataDir).toBe(resolve(process.cwd(), '../../x'));
    expect(loadConfig({}).dataDir).toBe(join(process.cwd(), 'data'));
    expect(loadConfig({ WORKFLOW_DATA_DIR: '/srv/wf/' }).dataDir).toBe('/srv/wf');
  });
});
