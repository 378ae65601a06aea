import pino from 'pino';
import { PinoPretty } from 'pino-pretty';

/** At a terminal, lines for people (pino-pretty, in this process so nothing is lost on exit); elsewhere JSON. */
const destination = process.stdout.isTTY
  ? PinoPretty({ colorize: !process.env.NO_COLOR, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true })
  : undefined;

/** One structured logger for every process; `LOG_LEVEL` tunes it (silent in tests). */
export const logger = pino(
  {
    level: process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info'),
    base: { pid: process.pid },
  },
  destination,
);

export type Logger = typeof logger;
