import type { Database } from '@ates/db';
import { closeBusinessDay, previousCalendarDay } from '@ates/db/accounting';
import type { EventBus } from '@ates/db/bus';

export const CLOSE_DAY_QUEUE = 'accounting.close-day';
/** A minute past midnight in ATES_TIMEZONE: the day that just ended is closed. */
const NIGHTLY = '1 0 * * *';

/**
 * The nightly close on a pg-boss schedule. Whichever process runs the job closes the calendar day
 * before the one it runs in (and with it any earlier day still open); a day already closed on
 * demand is left as it is. A run missed while no worker was up is sent once when one starts.
 */
export async function scheduleNightlyClose(db: Database, bus: EventBus, timeZone: string): Promise<void> {
  const { boss } = bus;
  if (!(await boss.getQueue(CLOSE_DAY_QUEUE))) {
    await boss.createQueue(CLOSE_DAY_QUEUE, { retryLimit: 10, retryDelay: 30, retryBackoff: true, retryDelayMax: 600 });
  }
  await boss.schedule(CLOSE_DAY_QUEUE, NIGHTLY, null, { tz: timeZone, missed: 'once' });
  await boss.work(CLOSE_DAY_QUEUE, async () => {
    await closeBusinessDay(db, bus, {
      date: previousCalendarDay(new Date(), timeZone),
      timeZone,
      closedBy: 'schedule',
    });
  });
}
