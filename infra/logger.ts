import { pino, stdSerializers, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * What an address may carry of a natural person, each bounded so that it is a value of its own, not
 * part of a case id, a date or a position: a 身份证号 (a person's code is the one it is authenticated
 * with, and the case list is filtered by it: `?org=`), a mobile number, an e-mail address (its `@`
 * as typed or escaped).
 */
const PERSONAL_IN_URL = [
  // 身份证号 (GB 11643): a division code, a birth date of 19xx or 20xx, a sequence, a check character —
  // not a 统一社会信用代码 of 18 digits (913706003856345482), an organisation's public code. Also as
  // people group it when they copy it from a form (370102-1990-0101-124X, 370102 19900101 1240).
  /(?<![0-9A-Za-z])[1-8]\d{5}[- ]?(?:19|20)\d{2}[- ]?(?:0[1-9]|1[0-2])[- ]?(?:0[1-9]|[12]\d|3[01])[- ]?\d{3}[- ]?[0-9Xx](?![0-9A-Za-z])/g,
  // A mobile number, with the country code (+86, 86) or without, grouped (138-0531-0001) or not.
  /(?<![0-9A-Za-z])(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?![0-9A-Za-z])/g,
  /[\w.+-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+/gi,
];

/**
 * A JWT (a JOSE header `{"…` in base64url, then two more segments): a bearer token a client put in
 * the address (`?access_token=`, a download link). It is refused there, but was logged whole while
 * the Authorization header is redacted, good for hours to whoever read the log.
 */
const TOKEN_IN_URL = /eyJ[\w-]*\.[\w-]*\.[\w-]*/g;

/** The runs of percent-escapes in `text` decoded, each run on its own: one malformed escape leaves the others decoded. */
function decoded(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/**
 * A piece of an address (a path segment, a query name or value) as the server reads it: decoded, `+`
 * a space in the query, in NFKC (the filters read codes so: machines/schemas asCode) — censored whole
 * when it then holds a token or a person's data that the raw address hid: a code typed with a Chinese
 * input method's full-width digits (`%EF%BC%93…`), or pasted after a space (`%20370102…`, whose `0`
 * the patterns take for part of a longer number).
 */
function pieceForLogs(piece: string, plusIsSpace: boolean): string {
  if (!/%|[^\p{ASCII}]/u.test(piece)) return piece;
  const read = decoded(plusIsSpace ? piece.replaceAll('+', ' ') : piece).normalize('NFKC');
  return [TOKEN_IN_URL, ...PERSONAL_IN_URL].some((pattern) => read.search(pattern) !== -1) ? '[redacted]' : piece;
}

/** `url` with any bearer token, natural person's ID number, mobile number or e-mail address in it censored as the redactions are, as typed or encoded. */
export function urlForLogs(url: string): string {
  const censored = [TOKEN_IN_URL, ...PERSONAL_IN_URL].reduce((text, pattern) => text.replace(pattern, '[redacted]'), url);
  const at = censored.indexOf('?');
  const path = (at === -1 ? censored : censored.slice(0, at))
    .split('/')
    .map((segment) => pieceForLogs(segment, false))
    .join('/');
  if (at === -1) return path;
  const query = censored
    .slice(at + 1)
    .split('&')
    .map((pair) => pair.split('=').map((part) => pieceForLogs(part, true)).join('='))
    .join('&');
  return `${path}?${query}`;
}

/** `value` as a log may show it: `[redacted]` when it holds a bearer token or a natural person's ID number, mobile number or e-mail address. */
export function valueForLogs(value: string): string {
  return urlForLogs(value) === value ? value : '[redacted]';
}

/** The request as fastify logs it (method, url, host, client address), its url without personal data (个人信息保护法 第六条, 第五十一条). */
function request(req: { method?: string; url?: string; host?: string; ip?: string; socket?: { remotePort?: number } }) {
  return {
    method: req.method,
    url: typeof req.url === 'string' ? urlForLogs(req.url) : req.url,
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

/**
 * An error as pino logs it, without `rawPacket`: Node gives a request it could not parse (a malformed
 * header, Content-Length with Transfer-Encoding) the bytes it read, whose headers hold the caller's
 * bearer token and whose address may name a person. Logged as a list of byte values, it was still
 * the token, for anyone who read the log at debug.
 */
function error(err: unknown): unknown {
  if (!(err instanceof Error)) return stdSerializers.err(err as Error);
  const { rawPacket: _bytes, ...shown } = stdSerializers.err(err) as unknown as Record<string, unknown>;
  return shown;
}

/**
 * LOG_LEVEL as pino reads it: in any case and with spaces around, as the other settings are read
 * (operations QA: `LOG_LEVEL=INFO` was refused at start while `WORKFLOW_SQLITE_SYNCHRONOUS=normal` was
 * taken).
 */
export function logLevelOf(value: string | undefined): string | undefined {
  return value?.trim().toLowerCase();
}

/** One logger factory, so every module logs the same JSON shape with the same redactions; to stdout unless `destination` is given. */
export function createLogger(options: LoggerOptions = {}, destination?: DestinationStream): Logger {
  const settings: LoggerOptions = {
    level: logLevelOf(process.env.LOG_LEVEL) ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
    redact: { paths: ['req.headers.authorization', '*.idNumber', '*.phone'], censor: '[redacted]' },
    // Fastify takes a logger's own serializers over its defaults: this one replaces its `req`.
    serializers: { req: request, err: error },
    ...options,
  };
  return destination ? pino(settings, destination) : pino(settings);
}
