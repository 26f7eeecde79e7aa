/** `npm run token`: a development token, its usage on --help, and a refusal that says what is wrong. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';

const dataDir = mkdtempSync(join(tmpdir(), 'wf-token-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const token = (args: string[], env: Record<string, string> = {}) => {
  const { WORKFLOW_JWKS_URL: _jwks, ...inherited } = process.env;
  return spawnSync(join(process.cwd(), 'node_modules/.bin/tsx'), ['scripts/token.ts', ...args], {
    encoding: 'utf8',
    env: { ...inherited, WORKFLOW_DATA_DIR: dataDir, WORKFLOW_JWT_SECRET: 'token-test-secret', ...env },
  });
};

describe('npm run token', () => {
  it('given --help or -h, then the usage on stdout and exit 0', () => {
    for (const flag of ['--help', '-h']) {
      const run = token([flag]);
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/^用法：npm run token -- --role </);
      expect(run.stderr).toBe('');
    }
  });

  it('given a role and an organisation, then a token carrying them; given no role, the usage on stderr and exit 2', () => {
    const run = token(['--role', 'authority', '--org', '370100-dsj']);
    expect(run.status).toBe(0);
    expect(decodeJwt(run.stdout.trim())).toMatchObject({ role: 'authority', org: '370100-dsj', sub: 'authority-370100-dsj' });
    const bad = token(['--org', '370100-dsj']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^用法：/);
  });

  it('given a setting that is wrong, then it names the variable and what it should be, with no stack trace, and exits 2', () => {
    const run = token(['--role', 'admin', '--org', '370000-dsj'], { WORKFLOW_JWKS_URL: '', WORKFLOW_SQLITE_SYNCHRONOUS: 'fast' });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      '配置有误：\n' +
        '  WORKFLOW_SQLITE_SYNCHRONOUS="fast"：应为 FULL、NORMAL、EXTRA、OFF 之一\n' +
        '  WORKFLOW_JWKS_URL=""：应为身份提供方 JWKS 的网址，例如 https://idp.example/.well-known/jwks.json（不用时请删除该变量）\n',
    );
  });
});
