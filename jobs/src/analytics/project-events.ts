import { projectionHandler } from '@ates/db/analytics';
import { PROJECTION_CONSUMER } from '@ates/db/bus';
import type { JobsDeps } from '../deps.ts';

/** `analytics.projection`: every event the read side needs, written to ClickHouse in batches. */
export async function subscribeProjection({ bus, analytics }: JobsDeps): Promise<void> {
  await bus.subscribe(PROJECTION_CONSUMER, projectionHandler(analytics));
}
