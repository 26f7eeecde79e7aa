import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { logLevelOf } from './logger.js';

const PORT = '应为 0–65535 的端口号';
/** pino's levels (infra/logger.ts reads LOG_LEVEL, `logLevelOf`; pino throws on any other). */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const SECRET = z.string().min(1, '不能为空（不用时请删除该变量）');

const ORIGIN_EXAMPLE = '例如 https://portal.example.gov.cn 或 http://10.1.2.3:8080';

/**
 * One origin of WORKFLOW_CORS_ORIGINS, exactly as a browser sends it in `Origin` (the Fetch standard's
 * serialisation: scheme and host in lower case, no default port, no path, no slash at the end): an
 * origin written otherwise would never match, and the portal would be refused without a word.
 * Undefined when it is one; else what is wrong with it.
 */
function originProblem(value: string): string | undefined {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.host === '' || url.host.includes('*') || url.username !== '' || url.password !== '') {
    return `${JSON.stringify(value)} 不是来源：应为 协议://主机[:端口]，协议为 https 或 http，逐一列出，不能用通配符，${ORIGIN_EXAMPLE}`;
  }
  if (url.origin !== value) return `${JSON.stringify(value)} 应写作 ${url.origin}（浏览器发送的来源：不含路径和末尾的斜杠，主机小写，不写默认端口），${ORIGIN_EXAMPLE}`;
  return undefined;
}

/** WORKFLOW_CORS_ORIGINS: origins separated by commas, spaces around them ignored. */
const CorsOrigins = z
  .string()
  .transform((v) => v.split(',').map((origin) => origin.trim()).filter((origin) => origin !== ''))
  .superRefine((origins, ctx) => {
    if (origins.length === 0) ctx.addIssue({ code: 'custom', message: `不能为空：前端页面所在的来源，以逗号分隔，${ORIGIN_EXAMPLE}（不用时请删除该变量）` });
    for (const origin of origins) {
      const problem = originProblem(origin);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    }
  });

/** Configuration from the environment (shared/spec/API.md "Running it"); the only reader of process.env for settings. */
const Env = z.object({
  PORT: z
    .string()
    .refine((v) => v.trim() !== '', '不能为空')
    // Decimal digits only: Number() also reads 0x10, 1e3, +80 and ' 80 '.
    .refine((v) => v.trim() === '' || (/^\d+$/.test(v) && Number(v) <= 65535), PORT)
    .transform(Number)
    .default(3000),
  HOST: z.string().min(1, '不能为空').default('127.0.0.1'),
  WORKFLOW_DATA_DIR: z.string().min(1, '不能为空').default('./data'),
  WORKFLOW_STORE: z
    .string()
    .min(1, '不能为空：sqlite 或 EventStoreDB 连接串（esdb://…）')
    // An empty value is told by min(1) alone; the scheme is what eventstore/open.ts accepts.
    .refine((v) => v === '' || v === 'sqlite' || /^esdb(\+discover)?:\/\/./.test(v), '应为 sqlite，或 EventStoreDB 连接串：esdb://主机:2113?tls=false、esdb+discover://主机:2113')
    .default('sqlite'),
  // SQLite reads the level in any case (full, Normal); the store is given it in upper case.
  WORKFLOW_SQLITE_SYNCHRONOUS: z
    .preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), z.enum(['FULL', 'NORMAL', 'EXTRA', 'OFF'], { error: '应为 FULL、NORMAL、EXTRA、OFF 之一' }))
    .default('FULL'),
  WORKFLOW_JWT_SECRET: SECRET.optional(),
  // http(s) only: a key set named by ftp: or file: was taken, and every request with a token then
  // answered 503 "try again later", a wrong setting told as an outage that waiting never ends.
  WORKFLOW_JWKS_URL: z
    .url({ protocol: /^https?$/, error: '应为身份提供方 JWKS 的网址（http:// 或 https://），例如 https://idp.example/.well-known/jwks.json（不用时请删除该变量）' })
    .optional(),
  // The audience and issuer a token must name, where one identity platform signs the tokens of many applications.
  WORKFLOW_JWT_AUDIENCE: z.string().min(1, '不能为空：本系统在身份提供方登记的标识（令牌的 aud），不用时请删除该变量').optional(),
  WORKFLOW_JWT_ISSUER: z.string().min(1, '不能为空：身份提供方的签发方标识（令牌的 iss），不用时请删除该变量').optional(),
  WORKFLOW_ORGS: z.string().min(1, '不能为空（不用时请删除该变量）').optional(),
  WORKFLOW_TEST_CLOCK: z.enum(['0', '1'], { error: '应为 0 或 1' }).optional(),
  NODE_ENV: z.string().optional(),
  LOG_LEVEL: z.preprocess((v) => (typeof v === 'string' ? logLevelOf(v) : v), z.enum(LOG_LEVELS, { error: `应为 ${LOG_LEVELS.join('、')} 之一` }).optional()),
  // The origins of browser front-ends (a portal) allowed to call the API (CORS); unset, none is.
  WORKFLOW_CORS_ORIGINS: CorsOrigins.optional(),
});

/** Distinct characters a production secret has at least: 36 spaces passed the length alone (operators' QA); hex has 16. */
const SECRET_MIN_DISTINCT = 8;

/**
 * In production, an HS256 key of at least 256 bits (RFC 7518 §3.2) that is not one character over and
 * over (spaces, a placeholder of x's); an empty one is told by min(1) alone, a short one by its length alone.
 */
const ProductionEnv = Env.extend({
  WORKFLOW_JWT_SECRET: SECRET.refine(
    (v) => v === '' || Buffer.byteLength(v, 'utf8') >= 32,
    '生产环境中 HS256 密钥至少应为 32 字节（RFC 7518 §3.2），请换用更长的随机密钥，例如 openssl rand -base64 32 的输出',
  )
    .refine(
      (v) => Buffer.byteLength(v, 'utf8') < 32 || new Set(v).size >= SECRET_MIN_DISTINCT,
      `生产环境中 HS256 密钥过于简单（不足 ${SECRET_MIN_DISTINCT} 种不同字符，如全是空格或同一字符重复），请换用随机密钥，例如 openssl rand -base64 32 的输出`,
    )
    .optional(),
});

/**
 * The credentials of a connection string (after its scheme) as the EventStoreDB client
 * reads them (its parseConnectionString: `[^:]+:[^@]+@`, the user name up to the first `:`, the
 * password up to the first `@`): a generated password may hold `/`, `?`, `#` or spaces, a user name
 * an `@` (`ops@corp.example`), where a URL's userinfo would stop (QA of the masking: both printed in
 * the clear). Not across a line: a message quoting the string goes on after it. Else anything up to
 * an `@` before the path or the options.
 */
export const ESDB_CREDENTIALS = String.raw`(?:[^:\n]+:[^@\n]+|[^@/?\s]*)@`;

/** The hosts of an EventStoreDB connection string, without its scheme, credentials and options: what a log or a message may name. */
export function esdbHosts(connectionString: string): string {
  return connectionString.replace(/^[a-z+]+:\/\//i, '').replace(new RegExp(`^${ESDB_CREDENTIALS}`), '').split(/[/?]/)[0] ?? '';
}

/** NODE_ENV=production, in any case and with spaces around: `Production` must not run as development. */
export function isProduction(nodeEnv: string | undefined): boolean {
  return nodeEnv?.trim().toLowerCase() === 'production';
}

/** The environment does not make a valid configuration; the message names each variable and what it should be. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** `sqlite`, or an EventStoreDB connection string. */
  store: string;
  sqliteSynchronous: 'FULL' | 'NORMAL' | 'EXTRA' | 'OFF';
  jwtSecret?: string;
  jwksUrl?: string;
  /** The `aud` a token must name (WORKFLOW_JWT_AUDIENCE). */
  jwtAudience?: string;
  /** The `iss` a token must name (WORKFLOW_JWT_ISSUER). */
  jwtIssuer?: string;
  orgsPath?: string;
  /** The origins a browser page may call the API from (WORKFLOW_CORS_ORIGINS); empty, CORS is off. */
  corsOrigins: string[];
  testClock: boolean;
  production: boolean;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const production = isProduction(env.NODE_ENV);
  const parsed = (production ? ProductionEnv : Env).safeParse(env);
  if (!parsed.success) {
    // The value given, so the fix is plain — but never a secret's, nor a connection string's (it may hold a password).
    const given = (key: string) => (/SECRET|STORE/.test(key) ? '' : `=${JSON.stringify(env[key] ?? '')}`);
    const problems = parsed.error.issues.map((i) => `${String(i.path[0])}${given(String(i.path[0]))}：${i.message}`);
    // One problem, one line; several, one line each under the heading.
    throw new ConfigError(problems.length === 1 ? `配置有误：${problems[0]}` : `配置有误：\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    // Absolute, from the folder the process runs in (npm runs every script in the project's): a message
    // naming `../x` was read from wherever the operator typed the command (operators' QA).
    dataDir: resolve(e.WORKFLOW_DATA_DIR),
    store: e.WORKFLOW_STORE,
    sqliteSynchronous: e.WORKFLOW_SQLITE_SYNCHRONOUS,
    jwtSecret: e.WORKFLOW_JWT_SECRET,
    jwksUrl: e.WORKFLOW_JWKS_URL,
    jwtAudience: e.WORKFLOW_JWT_AUDIENCE,
    jwtIssuer: e.WORKFLOW_JWT_ISSUER,
    orgsPath: e.WORKFLOW_ORGS,
    corsOrigins: e.WORKFLOW_CORS_ORIGINS ?? [],
    testClock: e.WORKFLOW_TEST_CLOCK === '1',
    production,
  };
}

/** A settings file whose bytes are not UTF-8 (RFC 8259 §8.1): re-saved as GBK ("ANSI") on a Chinese Windows, say. */
export class NotUtf8Error extends Error {
  override readonly name = 'NotUtf8Error';
  constructor(readonly path: string) {
    // Without the path: readJsonFile's refusal names it before this (无法读取配置文件 <path>：…).
    super('不是 UTF-8 编码的文本（可能被另存为 GBK 等其他编码）：请以 UTF-8 编码另存后重试');
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a JSON settings file (the organisation directory). A byte order mark before it is no part of
 * it (RFC 8259 §8.1 lets a parser ignore one): Windows Notepad saves UTF-8 with one, and such a
 * WORKFLOW_ORGS was refused as not JSON, in JSON.parse's English. Bytes that are not UTF-8 are
 * refused (`NotUtf8Error`): read as UTF-8 anyway, a WORKFLOW_ORGS saved as GBK started a server whose
 * every organisation name was replacement characters, in inboxes, reports and their CSV (operations QA).
 */
export function readJsonFile(path: string): unknown {
  try {
    let text: string;
    try {
      text = strictUtf8.decode(readFileSync(path));
    } catch (err) {
      if (err instanceof TypeError) throw new NotUtf8Error(path);
      throw err;
    }
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new Error(`无法读取配置文件 ${path}：${(err as Error).message}`, { cause: err });
  }
}

/**
 * Files and folders this process creates from now on are its own user's only (umask 077): the store
 * holds natural persons' names, 身份证号, phones and e-mails (FORMS.md `Applicant`), the data folder
 * the development secret that signs tokens. Under the usual umask 022 SQLite made events.db and its
 * -wal and -shm readable by every user of the host (个人信息保护法 第五十一条(二): 采取相应的加密、
 * 去标识化等安全技术措施). Called first by the scripts that write the data folder (start, demo, rebuild, token).
 */
export function keepFilesPrivate(): void {
  process.umask(0o077);
}

/**
 * Creates a folder and the folders above it that are missing, one at a time. Node's
 * `mkdirSync(…, { recursive: true })` retries for ever when the system answers ENOENT for a folder
 * whose parent exists (a path under /proc): the server, the token and demo scripts hung, saying nothing.
 */
export function makeDataDirectory(dataDir: string): void {
  const missing: string[] = [];
  for (let dir = resolve(dataDir); !existsSync(dir); dir = dirname(dir)) {
    missing.push(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/**
 * The development signing secret: generated once into the data folder and kept, so tokens
 * survive restarts. Production must configure a secret or a JWKS URL instead.
 */
export function developmentSecret(dataDir: string): string {
  const file = join(dataDir, 'dev-jwt-secret');
  for (let attempt = 1; ; attempt++) {
    if (existsSync(file)) {
      const kept = readFileSync(file, 'utf8').trim();
      if (kept !== '') return kept;
      // Empty: a write cut short (a full disk) left it, as earlier builds did. No token was ever signed
      // with it (a key of no bytes signs nothing): every request with a token was refused 401 and
      // `npm run token` died with a stack trace, for good. Made afresh. (Not told apart: a file another
      // process created the instant before and has yet to write, a window of microseconds.)
      rmSync(file, { force: true });
    }
    makeDataDirectory(dataDir);
    const secret = randomBytes(32).toString('base64url');
    try {
      writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
      return secret;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Made by another process (a token minted while the server starts) the moment before: its secret.
      if (code === 'EEXIST' && attempt === 1) continue;
      // Created here and not written whole: not left behind.
      if (code !== 'EEXIST') rmSync(file, { force: true });
      throw error;
    }
  }
}
