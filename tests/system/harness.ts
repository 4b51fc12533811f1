// What a whole-system flow needs around a running system (startSystem): the wallet app on a phone (it
// logs in to the MPP app API, hosts the SDK and proxies the SDK's requests through POST /app/v1/nfc/proxy
// with its session), a POS terminal whose acquirer link speaks ISO 8583 over TCP to the Mastercard
// network, and the MPP admin API for balances and the ledger invariants. Only real interfaces are used.
// Shared by tests/system/tap-flows.test.ts and `npm run bench -- tap`; it imports no test framework.
import {
  type ActivationProgress,
  type Clock,
  createNfcSdk,
  type MonitorEvent,
  type NfcRequestProxy,
  type NfcSdk,
  type SdkConfigInput,
  type SecureStorage,
  type TransactionFailureResult,
  type TransactionInfo,
} from '@tapkit/sdk';
import { nodeBlockCipher } from '@tapkit/sdk/node';
import {
  defaultTerminalConfig,
  inProcessNfcLink,
  type NfcLink,
  PosTerminal,
  type TerminalConfig,
  type TerminalOutcome,
} from '@tapkit/terminal';
import { TcpNetworkConnection } from '@tapkit/terminal/node';
import type { AdjustableClock, SystemHandle } from '../../packages/cli/src/system.ts';

/** Every HTTP call of the harness is bounded. */
export const httpTimeoutMs = 15_000;

/** (tapkit) The test shop: Hong Kong, HKD, the SDK's default no-CVM limit (HKD 50.00). */
export const shopTerminalConfig: TerminalConfig = {
  ...defaultTerminalConfig,
  merchantNameLocation: 'Tapkit Flow Test Shop   Hong Kong    HK',
  countryCode: '344',
  currencyCode: '344',
  noCvmLimitMinor: 5_000n,
  networkTimeoutMs: 15_000,
};

export interface JsonAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export async function json(
  url: string,
  init: { method?: string; body?: unknown; authorization?: string } = {},
): Promise<JsonAnswer> {
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.authorization === undefined ? {} : { authorization: init.authorization }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    signal: AbortSignal.timeout(httpTimeoutMs),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** What the SDK told the app, in the order it said it. */
export interface WalletEvents {
  readonly progress: ActivationProgress[];
  readonly monitor: { id: MonitorEvent; params: Readonly<Record<string, string | number | boolean>> }[];
  /**
   * onTransactionFailed: the result (with its code when it has one); after an ARQC the issuer's decline
   * (NETWORK_DECLINED) comes later, from the Ant server's notification feed, with the tap's ATC, the
   * DE39 and the MPP's resultCode as the decline reason.
   */
  readonly failures: {
    result: TransactionFailureResult;
    code?: number;
    atc?: number;
    de39?: string;
    declineReason?: string;
  }[];
  /** onTransactionComplete: the cryptogram and ATC of each card dialogue that ended in one. */
  readonly completions: { cryptogram: string; atc: number }[];
  readonly authRequests: TransactionInfo[];
}

/** One row of GET /app/v1/payments (mpp-server paymentView), as far as the flows read it. */
export interface AppPayment {
  readonly paymentRequestId: string;
  readonly status: string;
  readonly resultCode: string | null;
  readonly paymentAmount: { currency: string; value: string } | null;
  readonly customData: string | null;
}

export interface WalletUser {
  readonly username: string;
  readonly password: string;
  readonly customerId: string;
}

export interface WalletAppOptions {
  readonly mppUrl: string;
  readonly user: WalletUser;
  readonly storage: SecureStorage;
  readonly clock: Clock;
  readonly config?: SdkConfigInput;
  /** The device fingerprint; one per phone. */
  readonly deviceName: string;
}

/** The wallet app on one phone: its login session, its SDK and what the SDK reported. */
export class WalletApp {
  readonly sdk: NfcSdk;
  readonly events: WalletEvents = {
    progress: [],
    monitor: [],
    failures: [],
    completions: [],
    authRequests: [],
  };
  private session: string | undefined;

  constructor(private readonly options: WalletAppOptions) {
    const { events } = this;
    this.sdk = createNfcSdk({
      requestProxy: this.proxy,
      storage: options.storage,
      deviceFingerprint: async () => options.deviceName,
      transactionListener: {
        onTransactionFailed: (failure) =>
          events.failures.push({
            result: failure.result,
            ...(failure.error === undefined ? {} : { code: failure.error.code }),
            ...(failure.atc === undefined ? {} : { atc: failure.atc }),
            ...(failure.de39 === undefined ? {} : { de39: failure.de39 }),
            ...(failure.declineReason === undefined ? {} : { declineReason: failure.declineReason }),
          }),
        onTransactionComplete: (context) =>
          events.completions.push({ cryptogram: context.cryptogram, atc: context.atc }),
        onTransactionAuth: (info) => events.authRequests.push(info),
      },
      monitor: { track: (id, params) => events.monitor.push({ id, params }) },
      ...(options.config === undefined ? {} : { config: options.config }),
      clock: options.clock,
      cipher: nodeBlockCipher,
    });
  }

  get user(): WalletUser {
    return this.options.user;
  }

  /** Logs in at the MPP app API and connects the SDK for this user. */
  async start(): Promise<void> {
    await this.login();
    await this.sdk.init();
    await this.sdk.connect({ userId: this.options.user.customerId });
  }

  async login(): Promise<void> {
    const { username, password } = this.options.user;
    const answer = await json(`${this.options.mppUrl}/app/v1/login`, { body: { username, password } });
    if (answer.status !== 200 || typeof answer.body.token !== 'string') {
      throw new Error(`login of ${username} failed: HTTP ${answer.status}`);
    }
    this.session = answer.body.token;
  }

  /**
   * The app's NFCRequestProxy: body and header passed on unchanged, the MPP's answer body unchanged,
   * null for any failure (docs/architecture.md#proxying-sdk-requests).
   */
  readonly proxy: NfcRequestProxy = {
    sendRequest: async (type, body, header) => {
      const answer = await json(`${this.options.mppUrl}/app/v1/nfc/proxy`, {
        body: { type, body, header },
        authorization: `Bearer ${this.session ?? ''}`,
      }).catch(() => undefined);
      return answer?.status === 200 && typeof answer.body.body === 'string' ? answer.body.body : null;
    },
  };

  /**
   * The payments the app shows for a custom data value (the app finds its payment this way,
   * docs/architecture.md#a-tap).
   */
  async paymentsWithCustomData(customData: string): Promise<AppPayment[]> {
    const answer = await json(
      `${this.options.mppUrl}/app/v1/payments?customData=${encodeURIComponent(customData)}`,
      { authorization: `Bearer ${this.session ?? ''}` },
    );
    if (answer.status !== 200)
      throw new Error(`payments of ${this.options.user.username}: HTTP ${answer.status}`);
    return answer.body.payments as AppPayment[];
  }

  /** The phone held to a reader: every APDU goes to the SDK's processApdu. */
  nfcLink(): NfcLink & { close(): void } {
    return inProcessNfcLink((command) => this.sdk.processApdu(command));
  }
}

/** A short, stable description of a terminal outcome for assertions and reports. */
export function labelOf(outcome: TerminalOutcome): string {
  switch (outcome.kind) {
    case 'APPROVED':
    case 'SEE_PHONE':
      return outcome.kind;
    case 'DECLINED':
      return outcome.reason.source === 'NETWORK'
        ? `DECLINED ${outcome.reason.responseCode}`
        : 'DECLINED by card';
    case 'TRY_AGAIN':
      return `TRY_AGAIN ${outcome.reason}`;
    case 'END_APPLICATION': {
      const sw = outcome.sw === undefined ? '' : ` ${outcome.sw.toString(16).toUpperCase()}`;
      return `END_APPLICATION ${outcome.reason} at ${outcome.step ?? 'start'}${sw}`;
    }
  }
}

export interface TapResult {
  readonly outcome: TerminalOutcome;
  readonly label: string;
  /** From the first APDU the reader sent to the outcome of the tap (network answer included). */
  readonly firstApduToOutcomeMs: number;
  /** Time spent inside the card (the SDK's processApdu), summed over every APDU of the tap. */
  readonly cardMs: number;
  /** The APDUs the reader sent, in order. */
  readonly commands: readonly Uint8Array[];
}

/** The shop's POS terminal, its acquirer link over TCP to the network's acquirer port. */
export class Shop {
  readonly terminal: PosTerminal;
  private readonly connection: TcpNetworkConnection;

  constructor(system: SystemHandle, clock: AdjustableClock, config: TerminalConfig = shopTerminalConfig) {
    const acquirer = new URL(system.urls.acquirerTcp.replace(/^tcp:/, 'http:'));
    this.connection = new TcpNetworkConnection({
      host: acquirer.hostname,
      port: Number(acquirer.port),
      clock,
      connectTimeoutMs: 5_000,
      pendingCountMax: 16,
    });
    this.terminal = new PosTerminal({
      config,
      clock,
      random: { bytes: (length) => crypto.getRandomValues(new Uint8Array(length)) },
      connection: this.connection,
    });
  }

  /** One purchase tap of `wallet`; the phone leaves the field afterwards and background work settles. */
  async tap(wallet: WalletApp, amountMinor: bigint): Promise<TapResult> {
    const inner = wallet.nfcLink();
    const commands: Uint8Array[] = [];
    let firstApduAtMs: number | undefined;
    let cardMs = 0;
    const link: NfcLink = {
      transceive: async (command) => {
        const startedMs = performance.now();
        firstApduAtMs ??= startedMs;
        commands.push(command.slice());
        try {
          return await inner.transceive(command);
        } finally {
          cardMs += performance.now() - startedMs;
        }
      },
    };
    const outcome = await this.terminal.tap(link, { type: 'PURCHASE', amountMinor });
    const firstApduToOutcomeMs = performance.now() - (firstApduAtMs ?? performance.now());
    inner.close();
    wallet.sdk.onDeactivated();
    await wallet.sdk.whenIdle();
    return { outcome, label: labelOf(outcome), firstApduToOutcomeMs, cardMs, commands };
  }

  async close(): Promise<void> {
    await this.terminal.settled();
    this.connection.close();
  }
}

export interface LedgerInvariants {
  readonly ok: boolean;
  readonly accountCount: number;
  readonly currencies: { currency: string; postingSumMinor: string; accountCount: number }[];
  readonly violations: unknown[];
}

/** The MPP admin API (bearer token of the system). */
export class MppAdmin {
  constructor(private readonly system: SystemHandle) {}

  private get authorization(): string {
    return `Bearer ${this.system.adminToken}`;
  }

  async balanceMinor(customerId: string, currency = 'HKD'): Promise<bigint> {
    const answer = await json(
      `${this.system.urls.mpp}/admin/v1/customers/${encodeURIComponent(customerId)}/balances`,
      { authorization: this.authorization },
    );
    const balances = (answer.body.balances ?? []) as { currency: string; value: string }[];
    const found = balances.find((b) => b.currency === currency);
    if (answer.status !== 200 || found === undefined) {
      throw new Error(`balance of ${customerId}: HTTP ${answer.status}`);
    }
    return BigInt(found.value);
  }

  async topUp(customerId: string, amountMinor: bigint, topupRequestId: string): Promise<void> {
    const answer = await json(`${this.system.urls.mpp}/admin/v1/topups`, {
      body: { topupRequestId, customerId, amount: { currency: 'HKD', value: amountMinor.toString() } },
      authorization: this.authorization,
    });
    if (answer.status !== 200) throw new Error(`top-up of ${customerId}: HTTP ${answer.status}`);
  }

  async invariants(): Promise<LedgerInvariants> {
    const answer = await json(`${this.system.urls.mpp}/admin/v1/ledger/invariants`, {
      authorization: this.authorization,
    });
    if (answer.status !== 200) throw new Error(`ledger invariants: HTTP ${answer.status}`);
    return answer.body as unknown as LedgerInvariants;
  }
}
