// What every conformance scenario works with: signed clients playing Alipay+ (one honest, others with
// forged keys, wrong versions or skewed clocks), a raw sender for requests no honest client would send,
// fresh funded customers, balances, and a tally of answers that came back unsigned or badly signed.

import type { KeyObject } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import {
  API_PATHS,
  type ApiName,
  type Clock,
  contentToSign,
  formatRequestTime,
  formatSignatureHeader,
  systemClock,
} from '@tapkit/protocol';
import {
  type CallOutcome,
  CONTENT_TYPE_JSON,
  parseJsonObject,
  SignedClient,
  signContent,
  verifySignedMessage,
} from '@tapkit/protocol/node';
import { Pool } from 'undici';
import type { ConformanceSetup } from './setup.ts';

export interface ResolvedOptions {
  readonly mppUrl: string;
  readonly clientId: string;
  readonly signingKey: KeyObject;
  readonly keyVersion: string;
  readonly mppVerifyKeys: ReadonlyMap<string, KeyObject>;
  readonly currency: string;
  readonly acquirerId: string;
  readonly pspId: string;
  /** How far from now the stale / future Request-Time probes are. */
  readonly freshnessProbeMs: number;
  readonly runId: string;
}

export interface RawAnswer {
  readonly status: number;
  /** VALID: signed by the MPP's key over these bytes; MISSING: no Signature; INVALID: any other failure. */
  readonly signature: 'VALID' | 'MISSING' | 'INVALID';
  readonly json: Record<string, unknown> | undefined;
}

/** (tapkit) Each scenario's customer starts with 1,000.00 in the run's currency (two decimals). */
export const START_BALANCE_MINOR = 100_000n;
const RAW_TIMEOUT_MS = 10_000;
const RAW_RESPONSE_BYTES_MAX = 1024 * 1024;

export class ConformanceContext {
  readonly client: SignedClient;
  /** Answers that came back unsigned or badly signed (must stay 0). */
  readonly unsignedAnswers: string[] = [];
  private readonly clients: SignedClient[] = [];
  private readonly pool: Pool;
  private readonly pathPrefix: string;
  private sequence = 0;

  constructor(
    readonly options: ResolvedOptions,
    readonly setup: ConformanceSetup,
  ) {
    this.client = this.clientWith({});
    const url = new URL(options.mppUrl);
    this.pathPrefix = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, { connections: 8 });
  }

  /** A signed client; by default the honest one. */
  clientWith(o: {
    clock?: Clock;
    key?: KeyObject;
    keyVersion?: string;
    clientId?: string;
    freshnessMs?: number;
  }) {
    const client = new SignedClient({
      baseUrl: this.options.mppUrl,
      clientId: o.clientId ?? this.options.clientId,
      signingKey: {
        key: o.key ?? this.options.signingKey,
        keyVersion: o.keyVersion ?? this.options.keyVersion,
      },
      peerVerifyKeys: this.options.mppVerifyKeys,
      clock: o.clock ?? systemClock,
      connectionsMax: 16,
      ...(o.freshnessMs === undefined ? {} : { freshnessMs: o.freshnessMs }),
    });
    this.clients.push(client);
    return client;
  }

  /** A unique id for this run: `<prefix>-<runId>-<n>`. */
  id(prefix: string): string {
    this.sequence += 1;
    return `${prefix}-${this.options.runId}-${this.sequence}`;
  }

  async newCustomer(balanceMinor: bigint = START_BALANCE_MINOR): Promise<string> {
    const customerId = this.id('conf-cust');
    await this.setup.createCustomer(customerId, this.options.currency, balanceMinor);
    return customerId;
  }

  async balance(customerId: string): Promise<bigint | undefined> {
    return this.setup.balanceOf(customerId, this.options.currency);
  }

  amount(valueMinor: bigint | string): { currency: string; value: string } {
    return { currency: this.options.currency, value: valueMinor.toString() };
  }

  payBody(
    paymentRequestId: string,
    customerId: string,
    valueMinor: bigint | string,
  ): Record<string, unknown> {
    const { acquirerId, pspId } = this.options;
    return {
      acquirerId,
      pspId,
      paymentRequestId,
      paymentAmount: this.amount(valueMinor),
      payToAmount: this.amount(valueMinor),
      customerId,
      paymentMethod: {
        paymentMethodType: 'CONNECT_WALLET_NFC',
        paymentMethodId: 'CONFORMANCE-TOKEN',
        customerId,
      },
      order: {
        referenceOrderId: paymentRequestId,
        orderDescription: 'Tapkit conformance',
        merchant: {
          referenceMerchantId: 'CONFORMANCE-MERCHANT',
          merchantName: 'Conformance',
          merchantMCC: '5999',
        },
        env: { storeTerminalId: 'CONFORMANCE-TERMINAL' },
      },
      paymentFactor: { isInStorePayment: 'true', inStorePaymentScenario: 'NFC', authorizationType: 'FINAL' },
    };
  }

  /**
   * A pay of the documented-required fields only
   * (docs/protocol/alipayplus-api.md#accept-what-the-real-alipay-sends), the customer in paymentMethod.
   */
  minimalPayBody(paymentRequestId: string, customerId: string, valueMinor: bigint | string) {
    const { acquirerId, pspId } = this.options;
    return {
      acquirerId,
      pspId,
      paymentRequestId,
      paymentAmount: this.amount(valueMinor),
      order: { referenceOrderId: paymentRequestId },
      paymentMethod: { customerId },
    };
  }

  /** Records an outcome that was not a properly signed answer. */
  note<T>(label: string, outcome: CallOutcome<T>): CallOutcome<T> {
    if (outcome.kind === 'unknown' && (outcome.reason === 'UNSIGNED' || outcome.reason === 'BAD_SIGNATURE')) {
      this.unsignedAnswers.push(`${label}: ${outcome.reason}`);
    }
    return outcome;
  }

  /** Headers of a request signed as the caller chooses (time, key, version); absent pieces are left out. */
  signedHeaders(
    api: ApiName,
    body: Buffer,
    o: { key?: KeyObject; keyVersion?: string; timeMs?: number; clientId?: string; omitSignature?: boolean },
  ): Record<string, string> {
    const clientId = o.clientId ?? this.options.clientId;
    const time = formatRequestTime(o.timeMs ?? Date.now());
    const headers: Record<string, string> = {
      'content-type': CONTENT_TYPE_JSON,
      'client-id': clientId,
      'request-time': time,
    };
    if (o.omitSignature === true) return headers;
    const path = `${this.pathPrefix}${API_PATHS[api]}`;
    const signature = signContent(
      contentToSign({ method: 'POST', path, clientId, time, body }),
      o.key ?? this.options.signingKey,
    );
    headers.signature = formatSignatureHeader({
      keyVersion: o.keyVersion ?? this.options.keyVersion,
      signature,
    });
    return headers;
  }

  /** Sends bytes with the given headers and checks the answer's signature itself. */
  async rawSend(
    label: string,
    api: ApiName,
    body: Buffer,
    headers: Record<string, string>,
  ): Promise<RawAnswer> {
    return this.rawRequest(label, { method: 'POST', path: API_PATHS[api], body, headers });
  }

  /** Any method on any path below the MPP URL (the generic answers); the answer's signature is checked. */
  async rawRequest(
    label: string,
    r: {
      method: 'GET' | 'POST' | 'PUT' | 'DELETE';
      path: string;
      body?: Buffer;
      headers: Record<string, string>;
    },
  ): Promise<RawAnswer> {
    const path = `${this.pathPrefix}${r.path}`;
    const { method, headers, body } = r;
    const response = await this.pool.request({
      method,
      path,
      headers,
      ...(body === undefined ? {} : { body }),
      headersTimeout: RAW_TIMEOUT_MS,
      bodyTimeout: RAW_TIMEOUT_MS,
      signal: AbortSignal.timeout(RAW_TIMEOUT_MS),
    });
    const raw = await readCapped(response.body);
    const signature = this.checkAnswer(method, path, response.headers, raw, headers['client-id']);
    if (signature !== 'VALID') this.unsignedAnswers.push(`${label}: ${signature}`);
    return { status: response.statusCode, signature, json: parseJsonObject(raw) };
  }

  private checkAnswer(
    method: string,
    path: string,
    headers: Record<string, string | string[] | undefined>,
    raw: Buffer,
    requestClientId: string | undefined,
  ): RawAnswer['signature'] {
    if (headers.signature === undefined) return 'MISSING';
    const verified = verifySignedMessage(
      {
        method,
        path,
        headers,
        rawBody: raw,
        // The answer echoes the request's Client-Id (a well-formed one); accept it under our keys.
        resolvePeer: (id) =>
          id === requestClientId || id === this.options.clientId
            ? { clientId: id, verifyKeys: this.options.mppVerifyKeys }
            : undefined,
        nowMs: Date.now(),
      },
      'response-time',
    );
    return verified.ok ? 'VALID' : 'INVALID';
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.clients.map((client) => client.close()));
    await this.pool.close();
  }
}

export function newRunId(): string {
  return randomBytes(4).toString('hex');
}

async function readCapped(body: AsyncIterable<Uint8Array> & { destroy(): void }): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    if (total > RAW_RESPONSE_BYTES_MAX) {
      body.destroy();
      throw new Error('the answer is too large');
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}
