// The state one SDK instance shares between its parts (activation, credentials, token management,
// card): the ports, the connected user, and cached copies of that user's records. The caches are
// written through: every change is persisted before it is used.
import type { BlockCipher } from '@tapkit/emv';
import type { SdkConfig } from '../config.ts';
import { SdkError } from '../errors.ts';
import type {
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
  recordNames,
  type UserState,
  UserStateSchema,
  type WalletRecord,
  WalletRecordSchema,
} from '../storage/records.ts';
import type { AntClient, TokenServiceClient } from '../wire/clients.ts';

/** Runs async sections one at a time, in call order (a promise chain; no timers). */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(section: () => Promise<T>): Promise<T> {
    const result = this.tail.then(section, section);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** Waits `delayMs` on the injected clock, so tests drive polling with a virtual clock. */
export function delay(clock: Clock, delayMs: number): Promise<void> {
  return new Promise((resolve) => clock.setTimer(delayMs, resolve));
}

export interface SdkDeps {
  readonly tokenService: TokenServiceClient;
  readonly ant: AntClient;
  readonly storage: SecureStorage;
  readonly store: EncryptedStore;
  readonly deviceFingerprint: DeviceFingerprint;
  readonly permit: TransactionPermit | undefined;
  readonly listener: TransactionListener;
  readonly monitor: NfcMonitor | undefined;
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

  constructor(readonly deps: SdkDeps) {}

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
  }

  async saveWallet(session: Session, wallet: WalletRecord | undefined): Promise<void> {
    const name = recordNames.wallet(session.userId);
    if (wallet === undefined) await this.deps.store.remove(name);
    else await this.deps.store.writeJson(name, wallet);
    session.wallet = wallet;
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

export type { Session };
