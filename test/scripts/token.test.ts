/** `npm run token`: a development token, its usage on --help, and a refusal that says what is wrong. */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { spawnText, type Ran } from '../spawnText.js';
import { scriptCommand } from './spawnScript.js';

const dataDir = mkdtempSync(join(tmpdir(), 'wf-token-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Runs the script; a variable set to undefined in `env` is left out of its environment. */
const token = (args: string[], env: Record<string, string | undefined> = {}) => {
  const { WORKFLOW_JWKS_URL: _jwks, ...inherited } = process.env;
  return spawnText(...scriptCommand('token.ts', args), {
    env: { ...inherited, WORKFLOW_DATA_DIR: dataDir, WORKFLOW_JWT_SECRET: 'token-test-secret', ...env },
  });
};

describe('npm run token', () => {
  it('given WORKFLOW_JWT_ISSUER and WORKFLOW_JWT_AUDIENCE (the server requires them), then the token names them; without, it names neither', async () => {
    const named = await token(['--role', 'authority', '--org', '370100-dsj'], { WORKFLOW_JWT_ISSUER: 'https://idp.sd.gov.example', WORKFLOW_JWT_AUDIENCE: 'sd-open-data' });
    expect(named.status).toBe(0);
    expect(decodeJwt(named.stdout.trim())).toMatchObject({ iss: 'https://idp.sd.gov.example', aud: 'sd-open-data', role: 'authority' });
    const plain = decodeJwt((await token(['--role', 'authority', '--org', '370100-dsj'])).stdout.trim());
    expect([plain.iss, plain.aud]).toEqual([undefined, undefined]);
  });

  it('given --help or -h, then the usage on stdout and exit 0', async () => {
    for (const flag of ['--help', '-h']) {
      const run = await token([flag]);
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/^用法：npm run token -- --role </);
      expect(run.stderr).toBe('');
    }
  });

  it('given a role and an organisation, then a token carrying them; given no role, the usage on stderr and exit 2', async () => {
    const run = await token(['--role', 'authority', '--org', '370100-dsj']);
    expect(run.status).toBe(0);
    expect(decodeJwt(run.stdout.trim())).toMatchObject({ role: 'authority', org: '370100-dsj', sub: 'authority-370100-dsj' });
    const bad = await token(['--org', '370100-dsj']);
    expect(bad.status).toBe(2);
    // Operators' QA: the usage alone, with no word of what was missing.
    expect(bad.stderr).toMatch(/^缺少 --role\n用法：/);
    expect((await token(['--role', 'authority'])).stderr).toMatch(/^缺少 --org\n用法：/);
    expect((await token([])).stderr).toMatch(/^缺少 --role 和 --org\n用法：/);
  });

  it('given an organisation the directory does not have as one of the role\'s kind, then the token, and on stderr that a server with that directory refuses it (403); a bureau\'s admin token, none', async () => {
    const stranger = await token(['--role', 'admin', '--org', 'whoever']);
    expect(stranger.status).toBe(0);
    expect(decodeJwt(stranger.stdout.trim())).toMatchObject({ role: 'admin', org: 'whoever' });
    expect(stranger.stderr).toBe('注意：机构目录中没有编码为 whoever 的公共数据开放主管部门，不能以 admin 角色管理平台。以内置的机构目录启动的服务会拒绝此令牌（403）\n');
    const provider = await token(['--role', 'supervisor', '--org', '370100-gaj']);
    expect(provider.stderr).toContain('济南市公安局（370100-gaj）在机构目录中不是公共数据开放主管部门');
    const bureau = await token(['--role', 'admin', '--org', '370000-dsj']);
    expect([bureau.status, bureau.stderr]).toEqual([0, '']);
    // A WORKFLOW_ORGS that is no directory stops the server, which says why; here, the token and no stack trace.
    const orgs = join(dataDir, 'not-a-directory.json');
    writeFileSync(orgs, '[{"code":1}]');
    const unread = await token(['--role', 'admin', '--org', 'whoever'], { WORKFLOW_ORGS: orgs });
    expect([unread.status, unread.stderr]).toEqual([0, '']);
    expect(decodeJwt(unread.stdout.trim())).toMatchObject({ role: 'admin', org: 'whoever' });
  });

  it('given a setting that is wrong, then it names the variable and what it should be, with no stack trace, and exits 2', async () => {
    const run = await token(['--role', 'admin', '--org', '370000-dsj'], { WORKFLOW_JWKS_URL: '', WORKFLOW_SQLITE_SYNCHRONOUS: 'fast' });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      '配置有误：\n' +
        '  WORKFLOW_SQLITE_SYNCHRONOUS="fast"：应为 FULL、NORMAL、EXTRA、OFF 之一\n' +
        '  WORKFLOW_JWKS_URL=""：应为身份提供方 JWKS 的网址（http:// 或 https://），例如 https://idp.example/.well-known/jwks.json（不用时请删除该变量）\n',
    );
  });
});

/** What a refused run wrote: no token, exit 2, and its stderr. */
function refused(run: Ran): string {
  expect(run.stdout).toBe('');
  expect(run.status, run.stderr).toBe(2);
  expect(run.stderr).not.toMatch(/^ {4}at /m);
  return run.stderr;
}
const lifetime = (run: Ran) => {
  expect(run.status, run.stderr).toBe(0);
  const { iat, exp } = decodeJwt(run.stdout.trim());
  return exp! - iat!;
};
const ROLE = ['--role', 'admin', '--org', '370000-dsj'];

describe('npm run token, given arguments for a token the server would refuse', () => {
  it('given an empty --sub, then it says --sub must not be empty', async () => {
    expect(refused(await token([...ROLE, '--sub', '']))).toBe('--sub 不能为空：请给出用户 ID，或去掉 --sub（默认为 角色-机构代码）\n');
  });

  it('given an --expires of zero or a negative duration, then it asks for a positive duration', async () => {
    for (const expires of ['0s', '0h', '-5m', '12h ago', '0']) {
      expect(refused(await token([...ROLE, `--expires=${expires}`])), expires).toBe(`--expires 应为大于零的时长，例如 30m、12h、7d（收到：${expires}）\n`);
    }
    // A number with no unit: said as that (it read 应为时长).
    expect(refused(await token([...ROLE, '--expires=30']))).toBe('--expires 须带单位，例如 30m、30h、30d（收到：30）\n');
  });

  it('given an --expires more than a year ahead, then it names the maximum; given a year or less, then a token that long', async () => {
    for (const expires of ['2y', '366d', '53 weeks']) {
      expect(refused(await token([...ROLE, '--expires', expires])), expires).toBe(`--expires 最长为 1 年（1y）（收到：${expires}）\n`);
    }
    // jose's year is 365.25 days; the clock may tick between iat and exp.
    expect(lifetime(await token([...ROLE, '--expires', '1y']))).toBeGreaterThanOrEqual(31_557_600);
    expect(lifetime(await token([...ROLE, '--expires', '1y']))).toBeLessThanOrEqual(31_557_601);
    expect(lifetime(await token([...ROLE, '--expires', '30m']))).toBeLessThanOrEqual(1801);
  });

  it('given a --role the server does not know, then it names it and the roles there are, then the usage', async () => {
    expect(refused(await token(['--role', 'god', '--org', '370000-dsj']))).toMatch(
      /^未知角色 god：可用 applicant、provider、authority、supervisor、auditor、admin\n用法：npm run token -- --role </,
    );
  });
});

describe('npm run token, given no WORKFLOW_JWT_SECRET and a data folder not yet made', () => {
  // The folder it makes is the one the server then keeps the store in (applicants' 身份证号, phones):
  // made as npm start makes it, its own user's only (个人信息保护法 第五十一条(二)).
  it('then it makes the folder and the development secret its own user’s only', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'wf-token-dev-'));
    const dir = join(parent, 'data');
    try {
      const run = await token(ROLE, { WORKFLOW_DATA_DIR: dir, WORKFLOW_JWT_SECRET: undefined });
      expect(run.status, run.stderr).toBe(0);
      // Said once, when made: a server on another folder would refuse this token.
      expect(run.stderr).toBe(`已在数据目录 ${dir} 中新建开发密钥（dev-jwt-secret）：令牌只对以同一数据目录（WORKFLOW_DATA_DIR）启动的服务有效\n`);
      expect((await token(ROLE, { WORKFLOW_DATA_DIR: dir, WORKFLOW_JWT_SECRET: undefined })).stderr).toBe('');
      const modes = ['.', 'dev-jwt-secret'].map((name) => `${name} ${(statSync(join(dir, name)).mode & 0o777).toString(8)}`);
      expect(modes).toEqual(['. 700', 'dev-jwt-secret 600']);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});

describe('npm run token, in production', () => {
  const message = '生产环境（NODE_ENV=production）签发令牌须配置 WORKFLOW_JWT_SECRET：不会生成或使用数据目录中的开发密钥\n';

  it('given no WORKFLOW_JWT_SECRET, then it refuses and creates no development secret', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wf-token-prod-'));
    try {
      for (const env of ['production', 'Production']) {
        expect(refused(await token(ROLE, { NODE_ENV: env, WORKFLOW_DATA_DIR: dir, WORKFLOW_JWT_SECRET: undefined })), env).toBe(message);
      }
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('given a development secret already in the data folder and no WORKFLOW_JWT_SECRET, then it still refuses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wf-token-prod-'));
    try {
      writeFileSync(join(dir, 'dev-jwt-secret'), 'a-development-secret\n');
      expect(refused(await token(ROLE, { NODE_ENV: 'production', WORKFLOW_DATA_DIR: dir, WORKFLOW_JWT_SECRET: undefined }))).toBe(message);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('given a WORKFLOW_JWT_SECRET of 32 bytes or more, then a token; shorter, then the configuration is refused', async () => {
    const run = await token(ROLE, { NODE_ENV: 'production', WORKFLOW_JWT_SECRET: 'abcdefgh'.repeat(4) });
    expect(run.status, run.stderr).toBe(0);
    expect(decodeJwt(run.stdout.trim())).toMatchObject({ role: 'admin', org: '370000-dsj' });
    expect(refused(await token(ROLE, { NODE_ENV: 'production', WORKFLOW_JWT_SECRET: 'token-test-secret' }))).toMatch(/^配置有误：WORKFLOW_JWT_SECRET：.*32 字节/);
    expect(existsSync(join(dataDir, 'dev-jwt-secret'))).toBe(false);
  });
});
