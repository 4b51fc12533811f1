import {
  type ActivationProgress,
  createNfcSdk,
  MemorySecureStorage,
  type MonitorEvent,
  type NfcRequestProxy,
  type NfcSdk,
  type PaymentStatus,
  type SdkConfigInput,
  SdkError,
  type TransactionFailureResult,
} from '@tapkit/sdk';
import { nodeBlockCipher } from '@tapkit/sdk/node';
import { inProcessNfcLink, type NfcLink } from '@tapkit/terminal';
import type { AdjustableClock } from '../system.ts';

// The wallet app on a phone, as far as the demo needs it: it logs in to the MPP server's app API, hosts the
// SDK (in-memory secure storage), proxies the SDK's requests through POST /app/v1/nfc/proxy with its
// session (logging in again when the session has expired, as an app would), and records what the SDK tells
// it (progress, monitor events, transaction failures) so flows can check them.

/** HTTP calls of the demo are bounded like everything else. */
export const httpTimeoutMs = 15_000;

export interface PhoneUser {
  readonly username: string;
  readonly password: string;
  readonly customerId: string;
}

export interface PhoneEvents {
  readonly progress: ActivationProgress[];
  readonly monitor: { id: MonitorEvent; params: Readonly<Record<string, string | number | boolean>> }[];
  /** onTransactionFailed: the result, its code when it has one, the decline reason of a network decline. */
  readonly failures: { result: TransactionFailureResult; code?: number; declineReason?: string }[];
  /** onTransactionComplete: the cryptogram and rich type of each completed card dialogue. */
  readonly completions: string[];
  /** What the ActivateStatusListener heard. */
  readonly statuses: PaymentStatus[];
  authRequests: number;
}

/** One row of the app's payment history (mpp-server app-routes paymentView). */
export interface AppPayment {
  readonly paymentRequestId: string;
  readonly status: string;
  readonly resultCode: string | null;
  readonly paymentAmount: { currency: string; value: string } | null;
  readonly refundedAmount: { currency: string; value: string } | null;
}

export class Phone {
  readonly sdk: NfcSdk;
  readonly events: PhoneEvents = {
    progress: [],
    monitor: [],
    failures: [],
    completions: [],
    statuses: [],
    authRequests: 0,
  };
  private session: string | undefined;

  constructor(
    private readonly mppUrl: string,
    readonly user: PhoneUser,
    clock: AdjustableClock,
    config: SdkConfigInput,
  ) {
    this.sdk = createNfcSdk({
      requestProxy: this.proxy,
      storage: new MemorySecureStorage(),
      deviceFingerprint: async () => `tapkit-demo-${user.username}`,
      transactionListener: {
        onTransactionFailed: (failure) =>
          this.events.failures.push({
            result: failure.result,
            ...(failure.error === undefined ? {} : { code: failure.error.code }),
            ...(failure.declineReason === undefined ? {} : { declineReason: failure.declineReason }),
          }),
        onTransactionComplete: (context) =>
          this.events.completions.push(`${context.cryptogram} ${context.richTransactionType}`),
        onTransactionAuth: () => {
          this.events.authRequests += 1;
        },
      },
      monitor: { track: (id, params) => this.events.monitor.push({ id, params }) },
      config,
      clock,
      // The SDK keeps its own cryptographic randomness (storage IVs, device keys): the seed feeds only
      // what the demo chooses (amounts, ids) and the terminal's unpredictable numbers.
      cipher: nodeBlockCipher,
    });
    this.sdk.setActivateStatusListener({ onStatusChanged: (status) => this.events.statuses.push(status) });
  }

  async login(): Promise<void> {
    const answer = await postJson(`${this.mppUrl}/app/v1/login`, {
      username: this.user.username,
      password: this.user.password,
    });
    const token = (answer.body as { token?: unknown }).token;
    if (answer.status !== 200 || typeof token !== 'string') {
      throw new Error(`login of ${this.user.username} failed: HTTP ${answer.status}`);
    }
    this.session = token;
  }

  /** Logs in and connects the SDK for this user. */
  async start(): Promise<void> {
    await this.login();
    await this.sdk.init({ isSupportTransit: false, isSupportLockScreenPay: false });
    await this.sdk.connect({ userId: this.user.customerId });
  }

  /**
   * The app's NFCRequestProxy: body and header passed on unchanged; null for any failure, never a fake
   * success (docs/architecture.md#proxying-sdk-requests).
   */
  readonly proxy: NfcRequestProxy = {
    sendRequest: async (type, body, header) => {
      for (let attempt = 0; attempt < 2; attempt++) {
        const answer = await postJson(
          `${this.mppUrl}/app/v1/nfc/proxy`,
          { type, body, header },
          this.session === undefined ? undefined : `Bearer ${this.session}`,
        ).catch(() => undefined);
        if (answer === undefined) return null;
        if (answer.status === 401 && attempt === 0) {
          await this.login().catch(() => undefined);
          continue;
        }
        const text = (answer.body as { body?: unknown }).body;
        return answer.status === 200 && typeof text === 'string' ? text : null;
      }
      return null;
    },
  };

  /**
   * The wallet app's view of one payment (GET /app/v1/payments, newest 100), by the paymentRequestId
   * Alipay+ used; undefined when the MPP has no such payment for this user.
   */
  async payment(paymentRequestId: string): Promise<AppPayment | undefined> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const answer = await getJson(
        `${this.mppUrl}/app/v1/payments?limit=100`,
        this.session === undefined ? undefined : `Bearer ${this.session}`,
      );
      if (answer.status === 401 && attempt === 0) {
        await this.login();
        continue;
      }
      const payments = (answer.body as { payments?: AppPayment[] }).payments ?? [];
      return payments.find((p) => p.paymentRequestId === paymentRequestId);
    }
    return undefined;
  }

  /** The phone held to a reader: an in-process link into the SDK's APDU handler. */
  nfcLink(): NfcLink {
    return inProcessNfcLink((command) => this.sdk.processApdu(command));
  }

  /** The SDK code an action failed with, or 'ok'. */
  static async codeOf(action: Promise<unknown>): Promise<string> {
    try {
      await action;
      return 'ok';
    } catch (error) {
      return error instanceof SdkError ? String(error.code) : `error ${String(error)}`;
    }
  }
}

export async function postJson(
  url: string,
  body: unknown,
  authorization?: string,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(authorization === undefined ? {} : { authorization }),
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(httpTimeoutMs),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as unknown) };
}

export async function getJson(
  url: string,
  authorization?: string,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    headers: authorization === undefined ? {} : { authorization },
    signal: AbortSignal.timeout(httpTimeoutMs),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as unknown) };
}
