import { describe, expect, it } from 'vitest';
import { resolveConfig, SDK_CONFIG_DEFAULT } from './config.ts';
import { SdkError } from './errors.ts';

describe('SDK configuration', () => {
  it('has the documented defaults: threshold 10, batch 20', () => {
    expect(resolveConfig()).toEqual(SDK_CONFIG_DEFAULT);
    expect(SDK_CONFIG_DEFAULT.replenishThreshold).toBe(10);
    expect(SDK_CONFIG_DEFAULT.replenishBatchSize).toBe(20);
    expect(SDK_CONFIG_DEFAULT.transactionResultPollAtMs).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(resolveConfig({ transactionResultPollAtMs: [] }).transactionResultPollAtMs).toEqual([]);
  });

  it('accepts the documented names as aliases of the unit-suffixed ones', () => {
    const config = resolveConfig({
      applyTokenInterval: 500,
      activateInterval: 250,
      noCvmLimit: 100n,
      applyTokenTimes: 3,
    });
    expect(config).toMatchObject({
      applyTokenIntervalMs: 500,
      activateIntervalMs: 250,
      noCvmLimitMinor: 100n,
      applyTokenTimes: 3,
    });
    expect(resolveConfig({ applyTokenInterval: 500, applyTokenIntervalMs: 700 }).applyTokenIntervalMs).toBe(
      700,
    );
  });

  it('refuses values outside their bounds with 10011', () => {
    for (const bad of [
      { replenishBatchSize: 0 },
      { applyTokenTimes: 100_000 },
      { activateIntervalMs: -1 },
      { replenishThreshold: 1.5 },
      { transactionResultPollAtMs: [2_000, 1_000] },
      { transactionResultPollAtMs: [1_000, 1_000] },
      { transactionResultPollAtMs: Array.from({ length: 21 }, (_, i) => (i + 1) * 1_000) },
      { transactionResultPollAtMs: [500_000] },
    ]) {
      expect(() => resolveConfig(bad)).toThrow(SdkError);
      try {
        resolveConfig(bad);
      } catch (error) {
        expect((error as SdkError).code).toBe(10011);
      }
    }
  });
});
