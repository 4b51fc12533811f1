// The state one SDK instance shares between its parts (activation, credentials, token management,
// card): the ports, the connected user, and cached copies of that user's records. The caches are
// written through: every change is persisted before it is used.

import type { BlockCipher } from '@tapkit/emv';
import { Mutex } from '@tapkit/protocol/concurrency';
import type { NfcIssueConfig } from '@tapkit/protocol/wire/ant-sdk';
import { applyRemoteConfig, type SdkConfig } from '../config.ts';
import { type PaymentStatus, paymentStatusOf } from '../domain/status.ts';
import { credentialsRemaining } from '../domain/wallet.ts';
import { SdkError } from '../errors.ts';
import type {
  ActivateStatusListener,
  Clock,
  DeviceFingerprint,
  NfcMonitor,
  Random,
  SecureStorage,
  TransactionListener,
  TransactionPermit,
} from '../ports.ts';
import { type EncryptedStore, StorageCorruptedError } from '../storage/encrypted-store.ts';
import {
  emptyUserState,
  RemoteConfigRecordSchema,
  recordNames,
  type UserState,
  UserStateSchema,
  type WalletRecord,
  WalletRecordSchema,
} from '../storage/records.ts';
import type { AntClient, TokenServiceClient } from '../wire/clients.ts';

export interface SdkDeps {
  readonly tokenService: TokenServiceClient;
  readonly ant: AntClient;
  readonly storage: SecureStorage;
  readonly store: EncryptedStore;
  readonly deviceFingerprint: DeviceFingerprint;
  readonly permit: TransactionPermit | undefined;
  readonly listener: TransactionListener;
  readonly monitor: NfcMonitor | undefined;
  /** The local configuration (defaults and the app's); `SdkContext.config` is the one in force. */
  readonly config: SdkConfig;
  readonly clock: Clock;
  readonly random: Random;
  readonly cipher: BlockCipher;
}

interface Session {
  readonly userId: string;
  state: UserState;
  wallet: WalletRecord | undefined;
}

export class SdkContext {
  private session: Session | undefined;
  /** Set when a record of the connected user cannot be read: status -3 until reinstalled. */
  storageBroken = false;
  /** Serializes every write of the user's records, so a tap and a replenish never lose each other's change. */
  readonly writes = new Mutex();
  /** What the app said in init (docs/protocol/sdk.md#lifecycle): its transit support and lock-screen payments. */
  private initOptions: InitOptions = {};
  /** The Ant server's nfc_issue_config in force: fetched on connect, else the last good copy stored. */
  private remote: NfcIssueConfig | undefined;
  private effective: SdkConfig;
  private statusListener: ActivateStatusListener | undefined;
  /** The status the listener last heard (or the one at connect), so it hears changes only. */
  private reportedStatus: PaymentStatus | undefined;

  constructor(readonly deps: SdkDeps) {
    this.effective = deps.config;
  }

  /** The configuration in force: local, then init's transit choice, then the remote configuration. */
  get config(): SdkConfig {
    return this.effective;
  }

  get isSupportLockScreenPay(): boolean {
    return this.initOptions.isSupportLockScreenPay ?? false;
  }

  setInitOptions(options: InitOptions): void {
    this.initOptions = options;
    this.recompute();
  }

  setStatusListener(listener: ActivateStatusListener | undefined): void {
    this.statusListener = listener;
  }

  private recompute(): void {
    const local = {
      ...this.deps.config,
      isSupportTransit: this.initOptions.isSupportTransit ?? this.deps.config.isSupportTransit,
    };
    this.effective = applyRemoteConfig(local, this.remote);
  }

  /**
   * Reads the remote configuration through the proxy; on success it is kept (storage) and used; on any
   * failure the last good copy is used, and without one the local configuration. Never fails connect.
   */
  async refreshRemoteConfig(): Promise<void> {
    const { ant, store, clock } = this.deps;
    try {
      const config = await ant.call('NFC_ISSUE_CONFIG', {}, 'NETWORK_EXCEPTION');
      this.remote = config;
      this.recompute();
      await store.writeJson(recordNames.remoteConfig, { v: 1, config, fetchedAtMs: clock.nowMs() });
      return;
    } catch {
      // No answer (offline) or a store that cannot write: the configuration falls back, below.
    }
    if (this.remote !== undefined) return;
    try {
      this.remote = (await store.readJson(recordNames.remoteConfig, RemoteConfigRecordSchema))?.config;
    } catch {
      // A copy that does not open is as good as none: it is rewritten at the next good fetch.
      this.remote = undefined;
    }
    this.recompute();
  }

  async connect(userId: string): Promise<void> {
    // Connecting again as the same user keeps the session: an activation or a replenish running on it
    // keeps writing to the records the app sees.
    if (this.session?.userId === userId && !this.storageBroken) return;
    this.session = undefined;
    this.storageBroken = false;
    try {
      const state =
        (await this.deps.store.readJson(recordNames.state(userId), UserStateSchema)) ?? emptyUserState;
      const wallet = await this.deps.store.readJson(recordNames.wallet(userId), WalletRecordSchema);
      this.session = { userId, state, wallet };
      this.reportedStatus = paymentStatusOf(state, credentialsRemaining(wallet));
    } catch (error) {
      if (!(error instanceof StorageCorruptedError)) throw error;
      this.storageBroken = true;
      this.session = { userId, state: emptyUserState, wallet: undefined };
    }
  }

  disconnect(): void {
    this.session = undefined;
    this.storageBroken = false;
  }

  get connected(): boolean {
    return this.session !== undefined;
  }

  /** The connected session; 10006 before connect, 10004 on broken storage (nothing may run on it). */
  require(): Session {
    if (this.session === undefined) throw SdkError.of('SDK_NOT_CONNECTED');
    if (this.storageBroken) throw SdkError.of('INNER_EXCEPTION', 'the protected storage is broken');
    return this.session;
  }

  /** Persists a new user state, then makes it current. */
  async saveState(session: Session, state: UserState): Promise<void> {
    await this.deps.store.writeJson(recordNames.state(session.userId), state);
    session.state = state;
    this.statusMaybeChanged(session);
  }

  async saveWallet(session: Session, wallet: WalletRecord | undefined): Promise<void> {
    const name = recordNames.wallet(session.userId);
    if (wallet === undefined) await this.deps.store.remove(name);
    else await this.deps.store.writeJson(name, wallet);
    session.wallet = wallet;
    this.statusMaybeChanged(session);
  }

  /** Tells the ActivateStatusListener when a change of the records changed the local token status. */
  statusMaybeChanged(session: Session): void {
    if (this.session !== session) return;
    const status = paymentStatusOf(session.state, credentialsRemaining(session.wallet));
    if (status === this.reportedStatus) return;
    this.reportedStatus = status;
    try {
      this.statusListener?.onStatusChanged(status);
    } catch {
      // The app's listener failing is the app's bug; the change it reports stands.
    }
  }

  track(
    event: 'EVENT_APPLY' | 'EVENT_CONFIRM' | 'EVENT_REPLENISH',
    params: Record<string, string | number | boolean>,
  ) {
    try {
      this.deps.monitor?.track(event, params);
    } catch {
      // The app's monitor is telemetry: its failure must not fail the operation it reports on.
    }
  }
}

/** What the app tells sdk.init (docs/protocol/sdk.md#lifecycle). */
export interface InitOptions {
  /** The app supports transit taps. */
  readonly isSupportTransit?: boolean;
  /** The app lets taps through while the screen is locked. */
  readonly isSupportLockScreenPay?: boolean;
}

export type { Session };
