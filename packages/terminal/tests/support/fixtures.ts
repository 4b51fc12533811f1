import { VirtualClock } from '@tapkit/protocol';
import { defaultTerminalConfig, type TerminalConfig } from '../../src/domain/config.ts';
import type { Random } from '../../src/ports.ts';

/** 2026-11-25 10:30:00 UTC. */
export const startMs = Date.UTC(2026, 10, 25, 10, 30, 0);

/** Deterministic "random" bytes: a counter, so every unpredictable number differs and is known. */
export function countingRandom(seed = 0xab): Random {
  let next = seed;
  return {
    bytes(lengthBytes: number) {
      const out = new Uint8Array(lengthBytes);
      for (let i = 0; i < lengthBytes; i++) {
        out[i] = next & 0xff;
        next += 1;
      }
      return out;
    },
  };
}

export function testConfig(overrides: Partial<TerminalConfig> = {}): TerminalConfig {
  return { ...defaultTerminalConfig, networkTimeoutMs: 5_000, reversalRetryDelayMs: 1_000, ...overrides };
}

export function testClock(): VirtualClock {
  return new VirtualClock(startMs);
}
