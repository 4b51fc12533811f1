import { systemInfo } from '../shared/system.ts';
import { offsetClock } from './station.ts';

// The POS follows the system clock, as a real terminal follows the network's time: the clock may have
// been advanced from the merchant panel.

let clockOffsetMs = 0;

export async function syncClock(): Promise<void> {
  const info = await systemInfo(true);
  const systemClock = info.ok ? (info.value.clock as { nowMs?: unknown } | undefined) : undefined;
  const nowMs = systemClock?.nowMs;
  if (typeof nowMs === 'number') clockOffsetMs = nowMs - Date.now();
}

export const posClock = offsetClock(() => clockOffsetMs);
