/**
 * `npm run token -- --role authority --org 370100-dsj [--sub u1] [--name 刘洋] [--expires 12h]`:
 * mints a development bearer token signed with the configured (or the data folder's) secret.
 */
import { parseArgs } from 'node:util';
import { developmentSecret } from '../infra/config.js';
import { argumentError, configOrExit } from './config.js';
import { mintToken } from '../api/auth.js';

const ROLES = ['applicant', 'provider', 'authority', 'supervisor', 'auditor', 'admin'] as const;
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
    process.stderr.write(`${argumentError(err)}\n${USAGE}`);
    process.exit(2);
  }
})();
const { values } = args;
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const role = values.role as (typeof ROLES)[number] | undefined;
if (!role || !ROLES.includes(role) || !values.org) {
  process.stderr.write(USAGE);
  process.exit(2);
}
const config = configOrExit();
if (config.jwksUrl) {
  process.stderr.write('已配置 WORKFLOW_JWKS_URL：令牌应由身份提供方签发，这里不能代签。\n');
  process.exit(2);
}
let secret: string;
try {
  secret = config.jwtSecret ?? developmentSecret(config.dataDir);
} catch (err) {
  process.stderr.write(`无法在数据目录 ${config.dataDir} 中读写开发密钥（${(err as NodeJS.ErrnoException).code ?? (err as Error).message}）：请检查 WORKFLOW_DATA_DIR\n`);
  process.exit(1);
}
const sub = values.sub ?? `${role}-${values.org}`;
let token: string;
try {
  token = await mintToken(secret, { sub, role, org: values.org, ...(values.name ? { name: values.name } : {}) }, values.expires);
} catch (err) {
  // jose reads the time span (30m, 12h, 7d, 2 weeks) and refuses anything else with a TypeError.
  if (!(err instanceof TypeError)) throw err;
  process.stderr.write(`--expires 应为时长，例如 30m、12h、7d（收到：${values.expires}）\n`);
  process.exit(2);
}
process.stdout.write(`${token}\n`);
