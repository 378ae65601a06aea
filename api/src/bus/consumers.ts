import { type Consumer, consumers, isConsumer } from '@ates/db/bus';
import { notFound } from '../http/problem.ts';
import { text } from '../http/text.ts';

export const ConsumerName = text()
  .min(1)
  .max(200)
  .openapi({ description: 'A bus consumer, as `GET /v1/status` lists them', example: 'accounting.ledger' });

/** A 404 naming the known consumers unless `name` (when given) is one of them. */
export function assertConsumer(name: string | undefined): asserts name is Consumer | undefined {
  if (name !== undefined && !isConsumer(name)) {
    throw notFound(`No consumer ${name}; known: ${[...consumers.keys()].join(', ')}.`);
  }
}
