import { describe, expect, it } from 'vitest';
import { barChart, money } from '../../src/render.ts';

describe('barChart', () => {
  it('scales bars to the widest value, positive right of the axis', () => {
    const chart = barChart(
      [
        { label: 'mon', value: 1000 },
        { label: 'tue', value: 500 },
        { label: 'wed', value: 0 },
      ],
      { width: 10, format: money },
    );
    expect(chart.split('\n')).toEqual(['mon │██████████ $10.00', 'tue │█████       $5.00', 'wed │            $0.00']);
  });

  it('draws losses left of the axis, on the same scale as gains', () => {
    const chart = barChart(
      [
        { label: '2026-11-23', value: 300 },
        { label: '2026-11-24', value: -100 },
      ],
      { width: 8 },
    );
    expect(chart.split('\n')).toEqual(['2026-11-23   │██████  300', '2026-11-24 ▒▒│       -100']);
  });

  it('gives a tiny value one cell so it never looks like zero', () => {
    const [, tiny] = barChart(
      [
        { label: 'a', value: 100_000 },
        { label: 'b', value: 1 },
      ],
      { width: 20 },
    ).split('\n');
    expect(tiny).toBe(`b │█${' '.repeat(19)}      1`);
  });
});
