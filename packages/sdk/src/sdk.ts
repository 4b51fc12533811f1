// The SDK's public surface (SDK.md): createNfcSdk wires the ports to the parts and returns the NfcSdk.
// Every method but processApdu reports failures as SdkError (codes 10001–10011).
import { type BlockCipher, desJsBlockCipher } from '@tapkit/emv';
import { platformClock, platformRandom } from './adapters/platform.ts';
import { CardService } from './card/card-service.ts';
import { resolveConfig, type SdkConfigInput } from './config.ts';
import { PAYMENT_STATUS, type PaymentStatus, paymentStatusOf } from './domain/status.ts';
import { credentialsRemaining } from './domain/wallet.ts';
import { SdkError, toSdkError } from './errors.ts';
import { type ActivateOptions, Activation } from './lifecycle/activation.ts';
import { SdkContext } from './lifecycle/context.ts';
import { Replenisher } from './lifecycle/replenish.ts';
import { TokenManagement } from './lifecycle/token-management.ts';

export { platformClock, platformRandom } from './adapters/platform.ts';

import type {
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
import { AntClient, TokenServiceClient } from './wire/clients.ts';

export interface NfcSdkOptions {
  requestProxy: NfcRequestProxy;
  storage: SecureStorage;
  deviceFingerprint: DeviceFingerprint;
  transactionPermit?: TransactionPermit;
  transactionListener?: TransactionListener;
  monitor?: NfcMonitor;
  config?: SdkConfigInput;
  clock?: Clock;
  random?: Random;
  /** 3DES for the cryptogram; the pure-JS des.js one by default (Node may pass node:crypto's). */
  cipher?: BlockCipher;
}

export const USER_ID_CHARS_MAX = 128;

export class NfcSdk {
  private readonly context: SdkContext;
  private readonly activation: Activation;
  private readonly replenisher: Replenisher;
  private readonly management: TokenManagement;
  private readonly card: CardService;
  private initialized = false;

  constructor(options: NfcSdkOptions) {
    const random = options.random ?? platformRandom;
    this.context = new SdkContext({
      tokenService: new TokenServiceClient(options.requestProxy),
      ant: new AntClient(options.requestProxy),
      storage: options.storage,
      store: new EncryptedStore(options.storage, random),
      deviceFingerprint: options.deviceFingerprint,
      permit: options.transactionPermit,
      listener: options.transactionListener ?? {},
      monitor: options.monitor,
      config: resolveConfig(options.config),
      clock: options.clock ?? platformClock,
      random,
      cipher: options.cipher ?? desJsBlockCipher,
    });
    this.activation = new Activation(this.context);
    this.replenisher = new Replenisher(this.context, this.activation);
    this.management = new TokenManagement(this.context);
    this.card = new CardService(this.context, this.replenisher);
  }

  /** Once per app start: checks the platform has what the SDK needs (Web Crypto). */
  async init(): Promise<void> {
    if (globalThis.crypto?.subtle === undefined)
      throw SdkError.of('DEVICE_UNSAFE', 'Web Crypto is not available');
    this.initialized = true;
  }

  connect(input: { userId: string }): Promise<void> {
    return guard(async () => {
      if (!this.initialized) await this.init();
      const userId = input?.userId;
      if (typeof userId !== 'string' || userId.length === 0 || userId.length > USER_ID_CHARS_MAX) {
        throw SdkError.of('INVALID_INPUT_PARAMETERS', 'userId must be 1 to 128 characters');
      }
      await this.context.connect(userId);
      this.card.reset();
    });
  }

  async disconnect(): Promise<void> {
    this.context.disconnect();
    this.card.stopWatchingResults();
    this.card.reset();
  }

  /** The token status (SDK.md table). `refresh` asks the Ant server first; its failure gives -1. */
  async isPaymentAvailable(options: { refresh?: boolean } = {}): Promise<PaymentStatus> {
    if (this.context.storageBroken) return PAYMENT_STATUS.STORAGE_BROKEN;
    if (!this.context.connected) return PAYMENT_STATUS.DISCONNECTED;
    if (options.refresh === true) {
      try {
        await this.management.refresh();
      } catch {
        return PAYMENT_STATUS.QUERY_FAILED;
      }
    }
    const session = this.context.require();
    return paymentStatusOf(session.state, credentialsRemaining(session.wallet));
  }

  /** Manual (or silent) activation; resolves the status it ended in (2, or 11/21 when confirmation is due). */
  activate(options: ActivateOptions = {}): Promise<PaymentStatus> {
    return guard(() => this.activation.activate(options));
  }

  /** The user confirmed on the activation page: finishes a silent activation (11) or the secondary confirmation (21). */
  async confirmActivation(): Promise<PaymentStatus> {
    return guard(async () => {
      const session = this.context.require();
      const token = session.state.token;
      if (token === undefined) throw SdkError.of('TOKEN_NOT_EXIST');
      try {
        let status = await this.isPaymentAvailable();
        if (status === PAYMENT_STATUS.ACTIVATION_PREPARED) {
          status = await this.activation.activate({ silent: false });
        }
        if (status === PAYMENT_STATUS.NEEDS_SECONDARY_CONFIRMATION) status = await this.confirmSecondary();
        this.context.track('EVENT_CONFIRM', { result: 'SUCCESS', status });
        return status;
      } catch (error) {
        this.context.track('EVENT_CONFIRM', { result: 'FAILURE', code: toSdkError(error).code });
        throw error;
      }
    });
  }

  credentialsRemaining(): number {
    const session = this.context.require();
    return credentialsRemaining(session.wallet);
  }

  replenish(): Promise<number> {
    return guard(() => this.replenisher.replenish('MANUAL'));
  }

  lock(): Promise<PaymentStatus> {
    return guard(() => this.management.lock());
  }

  unlock(): Promise<PaymentStatus> {
    return guard(() => this.management.unlock());
  }

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

export function createNfcSdk(options: NfcSdkOptions): NfcSdk {
  return new NfcSdk(options);
}
