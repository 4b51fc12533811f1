import { composeSystem } from './system/compose.ts';
import type { RunningSystem, SystemOptions } from './system/types.ts';

export { DEFAULT_WEB_DIST_DIR } from './system/compose.ts';
export { DEMO_USERS } from './system/mpp.ts';
export { OffsetClock } from './system/offset-clock.ts';
export { DEFAULT_PORTS } from './system/port-plan.ts';
export type {
  AdjustableClock,
  DemoUser,
  RunningSystem,
  SystemHandle,
  SystemOptions,
  SystemParties,
  SystemPorts,
  SystemUrls,
} from './system/types.ts';

// The whole Tapkit system in one process: every party on its own loopback port with its real interface
// (HTTP with Alipay+ signatures, ISO 8583 over TCP), wired to each other by URL. `tapkit up`, `tapkit demo`
// and the end-to-end tests all start it through startSystem.

/**
 * Starts every party (see SystemOptions) on loopback, each with its real interface, in dependency order:
 * Alipay+ (issuer TCP, Ant HTTP), Mastercard (token service, network connected to the issuer), the MPP
 * server, then the web server. The handle's close() stops them in reverse order. The composition itself
 * is in ./system/compose.ts.
 */
export function startSystem(options: SystemOptions): Promise<RunningSystem> {
  return composeSystem(options);
}
