/**
 * `npm run token -- --role authority --org 370100-dsj [--sub u1] [--name 刘洋] [--expires 12h]`:
 * mints a development bearer token signed with the configured (or the data folder's) secret.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeJwt } from 'jose';
import { developmentSecret, keepFilesPrivate } from '../infra/config.js';
import { argumentError, configOrExit } from './config.js';
import { checkRoleAgainstDirectory, MAX_TOKEN_LIFETIME_S, mintToken, type Caller } from '../api/auth.js';
import { ApiError } from '../api/problem.js';
import { Directory } from '../directory/index.js';

/** The roles the server's token claims accept (api/auth.ts). */
const ROLES = ['applicant', 'provider', 'authority', 'supervisor', 'auditor', 'admin'] as const satisfies readonly Caller['role'][];
/** The longest --expires: the longest the server takes a token for. */
const MAX_LIFETIME = MAX_TOKEN_LIFETIME_S;
const USAGE = `用法：npm run token -- --role <${ROLES.join('|')}> --org <机构代码> [--sub 用户ID] [--name 姓名] [--expires 12h]\n`;
const args = (() => {
  try {
    return parseArgs({
      options: {
        role: { type: 'string' },
        org: { type: 'string' },
        sub: { type: 'string' },
        name: { type: 'string' },
        expires: { type: 'string', default: '12h' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    // An unknown option, or a value that looks like one (--expires -5).
    refuse(argumentError(err), USAGE);
  }
})();
const { values } = args;
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const role = values.role as (typeof ROLES)[number] | undefined;
// Which is missing, then the usage: the usage alone left the operator to compare it with what they typed (operators' QA).
if (!role || !values.org) refuse(`缺少 ${[role ? '' : '--role', values.org ? '' : '--org'].filter(Boolean).join(' 和 ')}`, USAGE);
if (!ROLES.includes(role)) refuse(`未知角色 ${role}：可用 ${ROLES.join('、')}`, USAGE);
// The server refuses a token whose sub is empty.
if (values.sub === '') refuse('--sub 不能为空：请给出用户 ID，或去掉 --sub（默认为 角色-机构代码）');
const config = configOrExit();
keepFilesPrivate();
if (config.jwksUrl) {
  process.stderr.write('已配置 WORKFLOW_JWKS_URL：令牌应由身份提供方签发，这里不能代签。\n');
  process.exit(2);
}
// Production signs with the configured secret only: the data folder's development secret is neither made nor read.
if (config.production && !config.jwtSecret) {
  refuse('生产环境（NODE_ENV=production）签发令牌须配置 WORKFLOW_JWT_SECRET：不会生成或使用数据目录中的开发密钥');
}
let secret: string;
// A secret made now is this folder's alone: a server started on another folder refuses the token (401).
const madeHere = config.jwtSecret === undefined && !existsSync(join(config.dataDir, 'dev-jwt-secret'));
try {
  secret = config.jwtSecret ?? developmentSecret(config.dataDir);
} catch (err) {
  process.stderr.write(`无法在数据目录 ${config.dataDir} 中读写开发密钥（${(err as NodeJS.ErrnoException).code ?? (err as Error).message}）：请检查 WORKFLOW_DATA_DIR\n`);
  process.exit(1);
}
if (madeHere) {
  process.stderr.write(`已在数据目录 ${config.dataDir} 中新建开发密钥（dev-jwt-secret）：令牌只对以同一数据目录（WORKFLOW_DATA_DIR）启动的服务有效\n`);
}
// A bare number has no unit for jose to read: zero is said as zero ("应为时长" read as if 0 were no length), any other as lacking its unit.
if (/^\s*[+-]?\d+(\.\d+)?\s*$/.test(values.expires)) {
  refuse(Number(values.expires) <= 0 ? `--expires 应为大于零的时长，例如 30m、12h、7d（收到：${values.expires}）` : `--expires 须带单位，例如 ${values.expires.trim()}m、${values.expires.trim()}h、${values.expires.trim()}d（收到：${values.expires}）`);
}
const sub = values.sub ?? `${role}-${values.org}`;
let token: string;
try {
  // Named as a server started with the same settings requires (operations QA: with WORKFLOW_JWT_ISSUER set, it refused every token minted here, 401).
  token = await mintToken(secret, { sub, role, org: values.org, ...(values.name ? { name: values.name } : {}) }, values.expires, { issuer: config.jwtIssuer, audience: config.jwtAudience });
} catch (err) {
  // jose reads the time span (30m, 12h, 7d, 2 weeks) and refuses anything else with a TypeError.
  if (!(err instanceof TypeError)) throw err;
  refuse(`--expires 应为时长，例如 30m、12h、7d（收到：${values.expires}）`);
}
// The lifetime as jose read it (`-5m`, `5m ago`): one already expired the server refuses.
const { iat, exp } = decodeJwt(token);
const lifetime = exp! - iat!;
if (lifetime <= 0) refuse(`--expires 应为大于零的时长，例如 30m、12h、7d（收到：${values.expires}）`);
if (lifetime > MAX_LIFETIME) refuse(`--expires 最长为 1 年（1y）（收到：${values.expires}）`);
// The directory the server reads (WORKFLOW_ORGS, else the shipped one) would refuse it (403): said,
// and the token still given — a server started with another directory may take it.
try {
  checkRoleAgainstDirectory({ role, org: values.org }, Directory.load(config.orgsPath));
} catch (err) {
  // A directory that cannot be read stops the server itself, which says why: no note here.
  if (err instanceof ApiError) process.stderr.write(`注意：${err.text.zh}。以${config.orgsPath ? ` WORKFLOW_ORGS（${config.orgsPath}）的` : '内置的'}机构目录启动的服务会拒绝此令牌（403）\n`);
}
process.stdout.write(`${token}\n`);

/** Refuses the command line: what is wrong on one line, then `usage` if given, and exit 2. */
function refuse(message: string, usage = ''): never {
  process.stderr.write(`${message}\n${usage}`);
  process.exit(2);
}
