import type { Database } from '@ates/db';
import type { AnalyticsStore } from '@ates/db/analytics';
import { earnings as ledgerEarnings } from '../accounting/service.ts';
import { earningsByDay } from './reports.ts';
import type { Verification } from './schemas.ts';

/**
 * Compares the read side's fees, rewards and management earnings with the ledger's, day by day.
 * The ledger's side comes from the accounting context's own read (what `GET /v1/earnings`
 * answers), never from its tables; its defaults and limits decide the range.
 */
export async function verifyAgainstLedger(
  db: Database,
  store: AnalyticsStore,
  range: { from?: string; to?: string },
): Promise<Verification> {
  const ledger = (await ledgerEarnings(db, range)).items;
  const from = ledger[0]?.businessDay ?? '';
  const to = ledger.at(-1)?.businessDay ?? '';
  const analytics = new Map((await earningsByDay(store, { from, to })).map((day) => [day.businessDay, day]));
  const differences = ledger.flatMap((day) => {
    const ours = analytics.get(day.businessDay);
    const theirs = {
      feesCents: day.feesCents,
      rewardsCents: day.rewardsCents,
      managementEarningsCents: day.earningsCents,
    };
    const mine = {
      feesCents: ours?.feesCents ?? 0,
      rewardsCents: ours?.rewardsCents ?? 0,
      managementEarningsCents: ours?.managementEarningsCents ?? 0,
    };
    const same = mine.feesCents === theirs.feesCents && mine.rewardsCents === theirs.rewardsCents;
    return same ? [] : [{ businessDay: day.businessDay, analytics: mine, ledger: theirs }];
  });
  return { from, to, daysCompared: ledger.length, agrees: differences.length === 0, differences };
}
