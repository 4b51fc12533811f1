import {
  type ActivationProgress,
  createIndexedDbStorage,
  createNfcSdk,
  type NfcSdk,
  type PaymentStatus,
  type TransactionCompleteContext,
  type TransactionFailure,
  type TransactionInfo,
} from '@tapkit/sdk';
import { type CardChannel, serveCardOverBroadcastChannel } from '@tapkit/terminal';
import { createRequestProxy, type Session } from './mpp-client.ts';

// The wallet page is the phone: it hosts the SDK (IndexedDB storage, the MPP proxy) and answers the POS
// tab's APDUs over the BroadcastChannel, like an HCE service answering the NFC controller.

export type CardEvent =
  | { readonly kind: 'TAP_STARTED' }
  | {
      readonly kind: 'TAP_COMPLETED';
      readonly context: TransactionCompleteContext;
      readonly customData: string;
    }
  | { readonly kind: 'TAP_FAILED'; readonly failure: TransactionFailure }
  /** The ActivateStatusListener: the local token status changed (e.g. the card became active). */
  | { readonly kind: 'STATUS_CHANGED'; readonly status: PaymentStatus }
  | { readonly kind: 'AUTH_NEEDED'; readonly info: TransactionInfo }
  | { readonly kind: 'REPLENISHED'; readonly params: Readonly<Record<string, string | number | boolean>> };

const fingerprintKey = 'tapkit.deviceId';

/** (tapkit) The device fingerprint: a random id made once per browser profile and kept in localStorage. */
async function deviceFingerprint(): Promise<string> {
  const existing = localStorage.getItem(fingerprintKey);
  if (existing !== null && existing.length > 0) return existing;
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const id = `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
  localStorage.setItem(fingerprintKey, id);
  return id;
}

/** A fresh order reference for the next tap: the app finds the payment by it afterwards. */
function newCustomData(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return `tap-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export class CardHost {
  readonly sdk: NfcSdk;
  private session: Session | undefined;
  private channel: CardChannel | undefined;
  private readonly listeners = new Set<(event: CardEvent) => void>();
  /** The custom data the next tap carries (the SDK clears it after each ARQC). */
  private customData = newCustomData();
  private connecting: { token: string; promise: Promise<void> } | undefined;

  constructor() {
    this.sdk = createNfcSdk({
      requestProxy: createRequestProxy(() => this.session),
      storage: createIndexedDbStorage({ databaseName: 'tapkit-wallet' }),
      deviceFingerprint,
      transactionListener: {
        onTransactionStart: () => this.emit({ kind: 'TAP_STARTED' }),
        onTransactionComplete: (context) => this.completed(context),
        onTransactionFailed: (failure) => this.emit({ kind: 'TAP_FAILED', failure }),
        onTransactionAuth: (info) => this.emit({ kind: 'AUTH_NEEDED', info }),
      },
      monitor: {
        track: (monitorId, params) => {
          if (monitorId === 'EVENT_REPLENISH') this.emit({ kind: 'REPLENISHED', params });
        },
      },
    });
    this.sdk.setActivateStatusListener({
      onStatusChanged: (status) => this.emit({ kind: 'STATUS_CHANGED', status }),
    });
  }

  subscribe(listener: (event: CardEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** After login: connect the SDK for this customer and start answering the reader. */
  connect(session: Session): Promise<void> {
    // React's StrictMode runs effects twice: both callers share one connection per session.
    if (this.connecting?.token === session.token) return this.connecting.promise;
    const promise = this.connectNow(session);
    this.connecting = { token: session.token, promise };
    promise.catch(() => {
      if (this.connecting?.promise === promise) this.connecting = undefined;
    });
    return promise;
  }

  private async connectNow(session: Session): Promise<void> {
    this.session = session;
    // A wallet in a browser tab: no transit gates, and no lock screen of its own to pay through.
    await this.sdk.init({ isSupportTransit: false, isSupportLockScreenPay: false });
    await this.sdk.connect({ userId: session.customerId });
    this.sdk.setCustomData(this.customData);
    this.channel ??= serveCardOverBroadcastChannel((command) => this.sdk.processApdu(command));
  }

  /** Reconnect page (-2): the session is still there, the SDK lost its connection. */
  async reconnect(): Promise<void> {
    this.connecting = undefined;
    if (this.session !== undefined) await this.connect(this.session);
  }

  async disconnect(): Promise<void> {
    this.channel?.close();
    this.channel = undefined;
    await this.sdk.disconnect();
    this.session = undefined;
    this.connecting = undefined;
  }

  status(refresh: boolean): Promise<PaymentStatus> {
    return this.sdk.isPaymentAvailable({ refresh });
  }

  activate(onProgress: (progress: ActivationProgress) => void): Promise<PaymentStatus> {
    return this.sdk.activatePayment({ silentActivate: false, doConfirm: false, onProgress });
  }

  private completed(context: TransactionCompleteContext): void {
    const customData = this.customData;
    // The SDK sent the custom data with this ARQC and cleared it: the next tap gets a new reference.
    this.customData = newCustomData();
    this.sdk.setCustomData(this.customData);
    this.emit({ kind: 'TAP_COMPLETED', context, customData });
  }

  private emit(event: CardEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
