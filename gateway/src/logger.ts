// The gateway's structured logger (pino). Authorization headers and keys are never logged.
import pino, { type Logger } from 'pino';

export function createLogger(level: string, instance: string): Logger {
  return pino({
    level,
    base: { instance },
    redact: { paths: ['req.headers.authorization', 'headers.authorization', 'key', 'token'], censor: '[redacted]' },
  });
}
