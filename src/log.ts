/**
 * The one logger: pino, JSON lines on stderr. Never stdout: the console adapter prints replies
 * there, and scripts piping `npm start` read them.
 */
import pino from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

function initialLevel(): LogLevel {
  const fromEnv = process.env.LOG_LEVEL?.trim().toLowerCase();
  // an invalid LOG_LEVEL is reported by config.ts; the logger must not throw before that
  return (LOG_LEVELS as readonly string[]).includes(fromEnv ?? '') ? (fromEnv as LogLevel) : 'info';
}

// sync: a crash or process.exit right after a log line must not lose it
export const log = pino(
  { level: initialLevel(), base: { app: 'marquee' } },
  pino.destination({ dest: 2, sync: true }),
);

export function setLogLevel(level: LogLevel): void {
  log.level = level;
}
