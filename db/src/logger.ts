import pino from 'pino';

/** One structured logger for every process; `LOG_LEVEL` tunes it (silent in tests). */
export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info'),
  base: { pid: process.pid },
});

export type Logger = typeof logger;
