import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** One logger factory, so every module logs the same JSON shape with the same redactions. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino({
    level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
    redact: { paths: ['req.headers.authorization', '*.idNumber', '*.phone'], censor: '[redacted]' },
    ...options,
  });
}
