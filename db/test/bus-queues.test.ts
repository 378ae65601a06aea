import { describe, expect, it } from 'vitest';
import { retriesWithin } from '../src/bus/queues.ts';

describe('the retries of a patient consumer', () => {
  it('cover a day with the defaults: 2 s doubling to 5 minutes takes 295 retries', () => {
    expect(retriesWithin({ delaySeconds: 2, maxDelaySeconds: 300, forSeconds: 86_400 })).toBe(295);
  });

  it('count each wait at its shortest, so the window is a lower bound', () => {
    // 1 + 2 + 4 + 8 = 15 < 16, and 16 more makes 31.
    expect(retriesWithin({ delaySeconds: 1, maxDelaySeconds: 300, forSeconds: 16 })).toBe(5);
    expect(retriesWithin({ delaySeconds: 1, maxDelaySeconds: 300, forSeconds: 15 })).toBe(4);
  });

  it('take a delay below a second as a second, as pg-boss does', () => {
    expect(retriesWithin({ delaySeconds: 0, maxDelaySeconds: 1, forSeconds: 3 })).toBe(3);
  });
});
