// The shapes of the whole-system composition (options, URLs, handles), in their own module so that
// system.ts (the entry) and the composition in system/ can both import them without a cycle.
import type { MppServerHandle } from '@tapkit/mpp-server';
import type { Clock } from '@tapkit/protocol';
import type { AlipayPlusParty } from './alipayplus.ts';
import type { MastercardParty } from './mastercard.ts';

/** Ports of the parties; 0 picks a free port (tests). Defaults are the `tapkit up` ports. */
export interface SystemPorts {
  /** Web app (apps/wallet-web/dist) + acquirer gateway + /system/v1 endpoints. Default 4000. */
  readonly web?: number;
  /** MPP server (Alipay+ APIs, app API, admin API). Default 4100. */
  readonly mpp?: number;
  /** Alipay+ Ant server, notify receiver, issuer inspection routes. Default 4200. */
  readonly alipayPlus?: number;
  /** Alipay+ issuer processor, ISO 8583 over TCP. Default 4210. */
  readonly issuerTcp?: number;
  /** Mastercard token service (HTTP). Default 4300. */
  readonly tokenService?: number;
  /** Mastercard network acquirer entry, ISO 8583 over TCP. Default 4310. */
  readonly acquirerTcp?: number;
}

/** A clock whose time can be moved forward on demand (merchant panel "advance the clock"). */
export interface AdjustableClock extends Clock {
  /** Moves time forward by `ms` and lets every timer that became due run. */
  advanceMs(ms: number): Promise<void>;
}

export interface SystemOptions {
  /** Folder for SQLite files and keys (dataDir/keys). `:memory:` keeps databases in memory and keys in a temp dir. */
  readonly dataDir: string;
  /**
   * A `postgres://` URL: every party's store goes to that database instead of SQLite files, each party in
   * its own schema (see PARTY_SCHEMAS), created by the migrations on first start. Keys, clearing files and
   * the acquirer's capture log stay in dataDir.
   */
  readonly db?: string;
  /** Prefix of the parties' schema names on PostgreSQL. Default `tapkit_` (tests give each run its own). */
  readonly dbSchemaPrefix?: string;
  /** Provisioning delay ~1-2 s instead of 20-30 s. Default false. */
  readonly fast?: boolean;
  /** Explicit provisioning delay in ms (overrides `fast`; 0 for tests). */
  readonly provisioningDelayMs?: number;
  readonly ports?: SystemPorts;
  /** Default: a new OffsetClock (real time + an offset). Tests may pass a VirtualClock. */
  readonly clock?: AdjustableClock;
  /** Folder served at / by the web server. Default: apps/wallet-web/dist of the repository. */
  readonly webDistDir?: string;
  /** Pino log level of the parties. Default 'silent'. */
  readonly logLevel?: string;
}

export interface SystemUrls {
  /** The web app (wallet pages at /, POS page per the web app's routes) and /system/v1, /acquirer/v1. */
  readonly web: string;
  readonly mpp: string;
  readonly alipayPlus: string;
  readonly tokenService: string;
  /** tcp://127.0.0.1:port */
  readonly issuerTcp: string;
  /** tcp://127.0.0.1:port */
  readonly acquirerTcp: string;
}

export interface DemoUser {
  readonly username: string;
  readonly password: string;
  readonly customerId: string;
  readonly startHkdMinor: bigint;
}

export interface SystemHandle {
  readonly urls: SystemUrls;
  /** The data folder actually used (a temp folder for `:memory:`). */
  readonly dataDir: string;
  readonly clock: AdjustableClock;
  readonly fast: boolean;
  readonly demoUsers: readonly DemoUser[];
  /** The MPP admin API bearer token (also in dataDir/admin-token). */
  readonly adminToken: string;
  /** Stops every party in reverse start order; resolves when all sockets and timers are closed. */
  close(): Promise<void>;
}

/** The parties' handles, for in-process tools (the demo, tests); everything else uses the URLs. */
export interface SystemParties {
  readonly mpp: MppServerHandle;
  readonly alipayPlus: AlipayPlusParty;
  readonly mastercard: MastercardParty;
}

export interface RunningSystem extends SystemHandle {
  readonly parties: SystemParties;
}
