import pino, { type DestinationStream, type LoggerOptions } from 'pino';
import { PinoPretty } from 'pino-pretty';

/** Fields that hold credentials, wherever they sit in a log object (up to three levels deep). */
const CREDENTIAL_FIELDS = ['authorization', 'cookie', 'set-cookie', 'x-api-key', 'password', 'token', 'secret'];

/** Postgres error fields that name what failed without echoing the data it failed on. */
const DIAGNOSTIC_FIELDS = ['code', 'severity', 'schema_name', 'table_name', 'column_name', 'constraint_name'];

/**
 * An error as the log keeps it: its type, message, diagnostics and stack frames, and its cause the
 * same way. Never a failed query's parameters (drizzle puts them in its message), a Postgres
 * error's `detail` (`Key (email)=(…)`), nor the message of a data exception (SQLSTATE class 22),
 * which quotes the value it refused.
 */
export function loggedError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const fields = error as unknown as Record<string, unknown>;
  const message = loggedMessage(error, fields);
  const logged: Record<string, unknown> = {
    type: error.constructor.name,
    message,
    stack: [`${error.name}: ${message}`, ...(error.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l))].join(
      '\n',
    ),
  };
  for (const field of DIAGNOSTIC_FIELDS) if (typeof fields[field] === 'string') logged[field] = fields[field];
  if (error.cause !== undefined) logged.cause = loggedError(error.cause);
  return logged;
}

function loggedMessage(error: Error, fields: Record<string, unknown>): string {
  if (typeof fields.query === 'string' && 'params' in fields) return `Failed query: ${fields.query}`;
  if (typeof fields.code === 'string' && fields.code.startsWith('22')) return error.message.split(':')[0] ?? '';
  return error.message;
}

const field = (name: string) => (/^\w+$/.test(name) ? name : `["${name}"]`);
const path = (prefix: string, name: string) => (name.startsWith('[') ? `${prefix}${name}` : `${prefix}.${name}`);

const options: LoggerOptions = {
  level: process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info'),
  base: { pid: process.pid },
  serializers: { err: loggedError },
  redact: {
    paths: CREDENTIAL_FIELDS.map(field).flatMap((name) => [
      name,
      path('*', name),
      path('*.*', name),
      path('*.*.*', name),
    ]),
    censor: '[redacted]',
  },
};

/** At a terminal, lines for people (pino-pretty, in this process so nothing is lost on exit); elsewhere JSON. */
const console_ = process.stdout.isTTY
  ? PinoPretty({ colorize: !process.env.NO_COLOR, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true })
  : undefined;

/** A logger as every aTES process has, writing to `destination` (the console by default). */
export function createLogger(destination: DestinationStream | undefined = console_) {
  return pino(options, destination);
}

/** One structured logger for every process; `LOG_LEVEL` tunes it (silent in tests). */
export const logger = createLogger();

export type Logger = typeof logger;
