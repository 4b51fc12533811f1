// The SDK's public surface (docs/protocol/sdk.md): createNfcSdk wires the ports to the parts and returns the NfcSdk.
// Every method but processApdu reports failures as SdkError (codes 10001–10011). Taps are reported to
// the TransactionListener; activation status changes to the ActivateStatusListener.
import { type BlockCipher, desJsBlockCipher } from '@tapkit/emv';
import { detectPlatform, platformClock, platformRandom } from './adapters/platform.ts';
import { CardService } from './card/card-service.ts';
import { resolveConfig, type SdkConfigInput } from './config.ts';
import { PAYMENT_STATUS, type PaymentStatus, paymentStatusOf } from './domain/status.ts';
import { credentialsRemaining } from './domain/wallet.ts';
import { SDK_RESULT_CODES, SdkError, toSdkError } from './errors.ts';
import { type ActivatePaymentOptions, Activation, type ActivationProgress } from './lifecycle/activation.ts';
import { type InitOptions, SdkContext } from './lifecycle/context.ts';
import { Replenisher } from './lifecycle/replenish.ts';
import { TokenManagement } from './lifecycle/token-management.ts';

export { platformClock, platformRandom } from './adapters/platform.ts';

import type {
  ActivateStatusListener,
  Clock,
  DeviceFingerprint,
  NfcMonitor,
  NfcRequestProxy,
  Random,
  SecureStorage,
  TransactionListener,
  TransactionPermit,
} from './ports.ts';
import { EncryptedStore } from './storage/encrypted-store.ts';
import { AntClient, type ProxyChannel, TokenServiceClient } from './wire/clients.ts';
import { RequestHeaders } from './wire/request-header.ts';

/** What createNfcSdk needs: the app's SPIs, the platform's ports and the configuration. */
export interface NfcSdkOptions {
  /** Sends the SDK's requests through the app to the MPP server. */
  requestProxy: NfcRequestProxy;
  /** Keeps the SDK's records encrypted at rest (IndexedDB, files, memory). */
  storage: SecureStorage;
  /** The device's fingerprint, used when the device registers. */
  deviceFingerprint: DeviceFingerprint;
  /** The app's say on each tap; by default PROCEED below the no-CVM limit. */
  transactionPermit?: TransactionPermit;
  /** Hears the taps' start, completion, failure and outcome. */
  transactionListener?: TransactionListener;
  /** Receives the NfcMonitor events. */
  monitor?: NfcMonitor;
  /** Overrides of the defaults (SDK_CONFIG_DEFAULT), under the names with units or the documented ones. */
  config?: SdkConfigInput;
  /** The clock of every timer and timestamp; the platform's by default. */
  clock?: Clock;
  /** The source of randomness; the platform's crypto by default. */
  random?: Random;
  /** 3DES for the cryptogram; the pure-JS des.js one by default (Node may pass node:crypto's). */
  cipher?: BlockCipher;
  /** The platform named in sdkRequestHeader (tapkit); detected by default: web, node, react-native. */
  platform?: string;
}

export type { InitOptions };

/** isPaymentAvailable with `withAmountLimit`: the status and, when asyncAmountLimitSwitch is on, the limit. */
export interface PaymentAvailability {
  /** The token status, as isPaymentAvailable() answers it. */
  readonly status: PaymentStatus;
  /** The password-free (no-CVM) amount in minor units; only when the remote switch allows it. */
  readonly passwordFreeAmountMinor?: bigint;
}

export const USER_ID_CHARS_MAX = 128;

/** The SDK the app holds: lifecycle, activation, credentials, token management and the card's APDUs. */
export class NfcSdk {
  private readonly context: SdkContext;
  private readonly activation: Activation;
  private readonly replenisher: Replenisher;
  private readonly management: TokenManagement;
  private readonly card: CardService;
  private initialized = false;

  constructor(options: NfcSdkOptions) {
    const random = options.random ?? platformRandom;
    const clock = options.clock ?? platformClock;
    const channel: ProxyChannel = {
      proxy: options.requestProxy,
      headers: new RequestHeaders({
        clock,
        random,
        deviceFingerprint: options.deviceFingerprint,
        platform: options.platform ?? detectPlatform(),
      }),
    };
    this.context = new SdkContext({
      tokenService: new TokenServiceClient(channel),
      ant: new AntClient(channel),
      storage: options.storage,
      store: new EncryptedStore(options.storage, random),
      deviceFingerprint: options.deviceFingerprint,
      permit: options.transactionPermit,
      listener: options.transactionListener ?? {},
      monitor: options.monitor,
      config: resolveConfig(options.config),
      clock,
      random,
      cipher: options.cipher ?? desJsBlockCipher,
    });
    this.activation = new Activation(this.context);
    this.replenisher = new Replenisher(this.context, this.activation);
    this.management = new TokenManagement(this.context);
    this.card = new CardService(this.context, this.replenisher);
  }

  /**
   * After the user logs in (docs/protocol/sdk.md#lifecycle): checks the platform has what the SDK needs (Web
   * Crypto; else 10002) and stores the app's options. `isSupportTransit` (default: the config's) is the app's
   * transit support, which the remote configuration can only take away; `isSupportLockScreenPay` (default
   * false) reaches the TransactionPermit in RiskControlInfo, where the app decides a locked-screen tap.
   */
  async init(options: InitOptions = {}): Promise<void> {
    const { isSupportTransit, isSupportLockScreenPay } = options ?? {};
    const flag = (value: unknown) => value === undefined || typeof value === 'boolean';
    if (!flag(isSupportTransit) || !flag(isSupportLockScreenPay))
      throw SdkError.of('INVALID_INPUT_PARAMETERS', 'init options are booleans');
    if (globalThis.crypto?.subtle === undefined)
      throw SdkError.of('DEVICE_UNSAFE', 'Web Crypto is not available');
    this.context.setInitOptions({
      ...(isSupportTransit === undefined ? {} : { isSupportTransit }),
      ...(isSupportLockScreenPay === undefined ? {} : { isSupportLockScreenPay }),
    });
    this.initialized = true;
  }

  /** Connects the user's records, then reads the remote configuration (its failure never fails connect). */
  connect(input: { userId: string }): Promise<void> {
    return guard(async () => {
      if (!this.initialized) await this.init();
      const userId = input?.userId;
      if (typeof userId !== 'string' || userId.length === 0 || userId.length > USER_ID_CHARS_MAX) {
        throw SdkError.of('INVALID_INPUT_PARAMETERS', 'userId must be 1 to 128 characters');
      }
      await this.context.connect(userId);
      this.card.reset();
      await this.context.refreshRemoteConfig();
    });
  }

  /** On logout: wipes the session state; the token stays on the device for the same user's next connect. */
  async disconnect(): Promise<void> {
    this.context.disconnect();
    this.card.stopWatchingResults();
    this.card.reset();
  }

  /**
   * The token status (docs/protocol/sdk.md#token-status). `refresh` asks the Ant server first; its failure gives -1.
   * `withAmountLimit` answers `{ status, passwordFreeAmountMinor? }`, the amount present only when the
   * remote configuration's asyncAmountLimitSwitch is on.
   */
  isPaymentAvailable(options?: { refresh?: boolean; withAmountLimit?: false }): Promise<PaymentStatus>;
  isPaymentAvailable(options: { refresh?: boolean; withAmountLimit: true }): Promise<PaymentAvailability>;
  async isPaymentAvailable(
    options: { refresh?: boolean; withAmountLimit?: boolean } = {},
  ): Promise<PaymentStatus | PaymentAvailability> {
    const status = await this.status(options.refresh === true);
    if (options.withAmountLimit !== true) return status;
    const config = this.context.config;
    return config.asyncAmountLimitSwitch
      ? { status, passwordFreeAmountMinor: config.noCvmLimitMinor }
      : { status };
  }

  /** Hears every change of the local token status (e.g. it became active); undefined stops it. */
  setActivateStatusListener(listener: ActivateStatusListener | undefined): void {
    this.context.setStatusListener(listener);
  }

  private async status(refresh: boolean): Promise<PaymentStatus> {
    if (this.context.storageBroken) return PAYMENT_STATUS.STORAGE_BROKEN;
    if (!this.context.connected) return PAYMENT_STATUS.DISCONNECTED;
    if (refresh) {
      try {
        await this.management.refresh();
      } catch {
        return PAYMENT_STATUS.QUERY_FAILED;
      }
    }
    const session = this.context.require();
    return paymentStatusOf(session.state, credentialsRemaining(session.wallet));
  }

  /**
   * Activation (docs/protocol/sdk.md#activation, `activatePayment(silentActivate, doConfirm)`); resolves the
   * status it ended in. Manual (both false): runs every phase, ends at 2, or 21 when the MPP asks for a
   * secondary confirmation. Silent: stops at 11 (or 21) when the user's confirmation is needed. doConfirm:
   * the user confirmed: finishes 11 (or a whole activation) and confirms 21, reporting EVENT_CONFIRM. Silent
   * with doConfirm contradicts itself: 10011.
   */
  activatePayment(options: ActivatePaymentOptions = {}): Promise<PaymentStatus> {
    return guard(async () => {
      const { silentActivate = false, doConfirm = false, onProgress, wait } = options ?? {};
      if (typeof silentActivate !== 'boolean' || typeof doConfirm !== 'boolean')
        throw SdkError.of('INVALID_INPUT_PARAMETERS', 'silentActivate and doConfirm are booleans');
      if (silentActivate && doConfirm)
        throw SdkError.of('INVALID_INPUT_PARAMETERS', 'a silent activation cannot carry a confirmation');
      const run = {
        silent: silentActivate,
        ...(onProgress === undefined ? {} : { onProgress }),
        ...(wait === undefined ? {} : { wait }),
      };
      if (!doConfirm) return this.activation.activate(run);
      return this.confirmed({ ...run, silent: false });
    });
  }

  private async confirmed(run: {
    silent: false;
    onProgress?: (progress: ActivationProgress) => void;
    wait?: boolean;
  }): Promise<PaymentStatus> {
    this.context.require();
    try {
      let status = await this.activation.activate(run);
      if (status === PAYMENT_STATUS.NEEDS_SECONDARY_CONFIRMATION) status = await this.confirmSecondary();
      this.context.track('EVENT_CONFIRM', {
        confirmResult: 'SUCCESS',
        errorCode: SDK_RESULT_CODES.SUCCESS,
        status,
      });
      return status;
    } catch (error) {
      this.context.track('EVENT_CONFIRM', { confirmResult: 'FAILURE', errorCode: toSdkError(error).code });
      throw error;
    }
  }

  /** How many single-use payment credentials are left on the device. */
  credentialsRemaining(): number {
    const session = this.context.require();
    return credentialsRemaining(session.wallet);
  }

  /** Fetches a new batch of credentials now; resolves how many are left afterwards. */
  replenish(): Promise<number> {
    return guard(() => this.replenisher.replenish('MANUAL'));
  }

  /** Locks the token at the server, then locally; resolves the new status (3). */
  lock(): Promise<PaymentStatus> {
    return guard(() => this.management.lock());
  }

  /** Unlocks the token at the server, then locally; resolves the new status. */
  unlock(): Promise<PaymentStatus> {
    return guard(() => this.management.unlock());
  }

  /** Deletes the token at the server, then its local records; resolves the new status (0). */
  deleteToken(): Promise<PaymentStatus> {
    return guard(() => this.management.deleteToken());
  }

  /** Data for the MPP's pay request (9F6E), up to 256 characters; sent with the next approved tap. */
  setCustomData(customData: string | undefined): void {
    this.card.setCustomData(customData);
  }

  /** The user authenticated on the device (biometrics, PIN): taps in the next 30 s carry on-device CVM. */
  notifyUserAuthenticated(): void {
    this.card.notifyUserAuthenticated();
  }

  /** One APDU from the HCE service; always resolves a response APDU, never rejects. */
  processApdu(command: Uint8Array): Promise<Uint8Array> {
    return this.card.processApdu(command);
  }

  /** The field was lost or the link deselected: the next APDU starts a new card session. */
  onDeactivated(_reason?: number | string): void {
    this.card.onDeactivated();
  }

  /** Resolves when background work (auto-replenish) has settled. */
  whenIdle(): Promise<void> {
    return this.replenisher.whenIdle();
  }

  private async confirmSecondary(): Promise<PaymentStatus> {
    const session = this.context.require();
    const token = session.state.token;
    if (token === undefined) throw SdkError.of('TOKEN_NOT_EXIST');
    const info = await this.context.deps.ant.call(
      'CONFIRM_ACTIVATION',
      { tokenUniqueReference: token.tokenUniqueReference },
      'PROVISION_FAILED',
    );
    if (info.confirmation === 'REQUIRED')
      throw SdkError.of('PROVISION_FAILED', 'the confirmation was not recorded');
    await this.context.writes.run(async () => {
      const current = session.state.token;
      if (current === undefined) return;
      await this.context.saveState(session, {
        ...session.state,
        token: { ...current, activation: 'ACTIVE' },
      });
    });
    return paymentStatusOf(session.state, credentialsRemaining(session.wallet));
  }
}

/** Every rejection the app sees is an SdkError. */
async function guard<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toSdkError(error);
  }
}

/** Creates the SDK from the app's SPIs; call init and connect before anything else. */
export function createNfcSdk(options: NfcSdkOptions): NfcSdk {
  return new NfcSdk(options);
}
