import { isCalendarDate } from '@ates/db/accounting';
import { z } from '@hono/zod-openapi';

/**
 * The strings a request may carry, checked once at the boundary so that every store (Postgres
 * text and jsonb, the bus, chDB) can hold them: no NUL, no other C0 control character, no
 * unpaired UTF-16 surrogate. Every request schema builds its free-text strings from here; a
 * string that fails is a 400 naming the field (see `onValidationFailure`). A string with a
 * pattern of its own (a Jira id, a cursor, an id, a date) is checked by that pattern alone,
 * which admits no control character, so that the document shows the pattern the server checks.
 */
// A code unit that is neither a control nor a surrogate, or a surrogate pair. (No u flag: zod's
// document would print it into the pattern; this reads the same with and without it.)
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const SINGLE_LINE = /^(?:[^\u0000-\u001F\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])*$/;
/** Tab, line feed and carriage return are the controls a multi-line field may hold. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const MULTI_LINE = /^(?:[^\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])*$/;

/** One line of text: a name, a title, a path or query value. */
export const text = () =>
  z.string().regex(SINGLE_LINE, 'must not contain a control character (NUL, tab, newline…) or a lone surrogate');

/** Text that may run over several lines, such as a description. */
export const multilineText = () =>
  z.string().regex(MULTI_LINE, 'must not contain a control character other than tab and newline, or a lone surrogate');

/** Any RFC 9562 layout of 32 hex digits, as JSON Schema's `uuid` format and Postgres's uuid take it. */
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export const isUuid = (value: string) => UUID.test(value);

/** An id: the document declares `format: uuid` with the very pattern checked here. */
export const uuid = () => z.string().regex(UUID, 'must be a UUID').openapi({ format: 'uuid' });

export const FIRST_DAY = '2000-01-01';
export const LAST_DAY = '2999-12-31';
const DAY = /^2\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** A business day: a real calendar date, written YYYY-MM-DD, from 2000-01-01 to 2999-12-31. */
export const calendarDate = (description: string) =>
  z
    .string()
    .regex(DAY, { message: `must be a calendar date written YYYY-MM-DD, ${FIRST_DAY}..${LAST_DAY}`, abort: true })
    .refine(isCalendarDate, 'must be a real calendar date, written YYYY-MM-DD')
    .openapi({
      description: `${description} A calendar date, ${FIRST_DAY} to ${LAST_DAY}.`,
      example: '2026-11-24',
      format: 'date',
    });
