import { benchAccounting } from './accounting.ts';
import { benchAnalytics } from './analytics.ts';
import { benchBus } from './bus.ts';
import { benchCli } from './cli.ts';
import { benchScaling } from './scaling.ts';
import { benchTasks } from './tasks.ts';
import { benchWebhooks } from './webhooks.ts';

/** `pnpm bench`: every benchmark, each on its own embedded Postgres; figures go to stdout. */
const benches: Record<string, () => Promise<void>> = {
  bus: benchBus,
  accounting: benchAccounting,
  tasks: benchTasks,
  analytics: benchAnalytics,
  scaling: benchScaling,
  cli: benchCli,
  webhooks: benchWebhooks,
};

const only = process.argv.slice(2);
for (const [name, run] of Object.entries(benches)) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(`\n== ${name}`);
  await run();
}
