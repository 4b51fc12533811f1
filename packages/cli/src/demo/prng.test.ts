import { describe, expect, it } from 'vitest';
import { SeededRandom } from './prng.ts';
import { formatResultTable } from './table.ts';
import { Check } from './types.ts';

describe('SeededRandom', () => {
  it('draws the same sequence for the same seed and another for another seed', () => {
    const draw = (seed: number) => {
      const random = new SeededRandom(seed);
      return [random.amountMinor(100n, 3_000n), random.int(1, 3), random.hexId(8), [...random.bytes(4)]];
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('keeps amounts and integers inside their bounds', () => {
    const random = new SeededRandom(1);
    for (let i = 0; i < 2_000; i++) {
      const amount = random.amountMinor(5_001n, 9_000n);
      expect(amount >= 5_001n && amount <= 9_000n).toBe(true);
      const n = random.int(1, 3);
      expect(n >= 1 && n <= 3).toBe(true);
    }
  });
});

describe('Check and the result table', () => {
  it('is ok only when every observed value equals its expected value', () => {
    const good = new Check('flow a');
    good.eq('balance', 100n, 100n);
    expect(good.result().ok).toBe(true);
    const bad = new Check('flow b');
    bad.eq('POS', 'APPROVED', 'APPROVED');
    bad.eq('balance', 100n, 99n);
    expect(bad.result()).toMatchObject({
      ok: false,
      expected: 'POS=APPROVED; balance=100',
      observed: 'POS=APPROVED; balance=99',
    });
    expect(new Check('empty').result().ok).toBe(false);
    const table = formatResultTable([good.result(), bad.result()]);
    expect(table).toContain('| flow a');
    expect(table).toMatch(/flow b .*FAIL/);
  });
});
