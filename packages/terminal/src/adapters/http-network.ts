import { decodeIso8583, encodeIso8583, type Iso8583Message, iso8583v1987 } from '@tapkit/emv';
import type {
  Clock,
  NetworkConnection,
  NetworkExchangeErrorCode,
  NetworkExchangeResult,
  TerminalLogger,
} from '../ports.ts';
import { silentLogger } from '../ports.ts';

// The browser POS's connection to the card network: a browser cannot open a TCP socket, so each ISO 8583
// message is posted over HTTP to the acquirer gateway (node-acquirer-gateway.ts), which forwards it over
// the framed TCP link and answers with the network's response. Browser-safe: fetch, atob/btoa, no node:*.
// The wire (tapkit): POST {baseUrl}/acquirer/v1/messages, JSON {message: base64 of the ISO 8583:1987
// bytes, timeoutMs}; 200 {message: base64} or an error status with {code} (ACQUIRER_GATEWAY_ERRORS).

export const ACQUIRER_GATEWAY_PATH = '/acquirer/v1/messages';

/** Error statuses of the gateway, one per exchange error, so the client can give the same code back. */
export const ACQUIRER_GATEWAY_ERRORS: Readonly<Record<NetworkExchangeErrorCode, number>> = {
  NETWORK_UNAVAILABLE: 503,
  NETWORK_BUSY: 429,
  NETWORK_TIMEOUT: 504,
  NETWORK_LINK_LOST: 502,
};

/** An ISO 8583 authorization is a few hundred bytes; anything near this is not one. */
export const ACQUIRER_MESSAGE_BYTES_MAX = 8_192;

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** undefined for text that is not base64. */
export function base64ToBytes(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export interface HttpNetworkConnectionOptions {
  /** Origin (and optional path prefix) of the web server hosting the gateway; '' for the page's own. */
  readonly baseUrl: string;
  readonly clock: Clock;
  /** Requests waiting for an answer at once; beyond it exchange answers NETWORK_BUSY. */
  readonly pendingCountMax: number;
  /** Added to the exchange timeout for the HTTP round trip, so the gateway's own timeout answers first. */
  readonly httpMarginMs?: number;
  readonly fetch?: typeof fetch;
  readonly logger?: TerminalLogger;
}

const failure = (code: NetworkExchangeErrorCode): NetworkExchangeResult => ({ ok: false, error: { code } });
const codeByStatus = new Map<number, NetworkExchangeErrorCode>(
  Object.entries(ACQUIRER_GATEWAY_ERRORS).map(([code, status]) => [status, code as NetworkExchangeErrorCode]),
);

export class HttpNetworkConnection implements NetworkConnection {
  private pendingCount = 0;
  private closed = false;
  private readonly controllers = new Set<AbortController>();
  private readonly logger: TerminalLogger;

  constructor(private readonly options: HttpNetworkConnectionOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  async exchange(request: Iso8583Message, timeoutMs: number): Promise<NetworkExchangeResult> {
    if (this.closed) return failure('NETWORK_UNAVAILABLE');
    if (this.pendingCount >= this.options.pendingCountMax) return failure('NETWORK_BUSY');
    let bytes: Uint8Array;
    try {
      bytes = encodeIso8583(iso8583v1987, request);
    } catch (cause) {
      // A message the codec refuses is a defect upstream; it was not sent, so nothing needs reversing.
      this.logger.error({ mti: request.mti, error: String(cause) }, 'request could not be encoded');
      return failure('NETWORK_UNAVAILABLE');
    }
    const controller = new AbortController();
    this.controllers.add(controller);
    this.pendingCount++;
    const timer = this.options.clock.setTimer(timeoutMs + (this.options.httpMarginMs ?? 2_000), () =>
      controller.abort(),
    );
    try {
      return await this.post(bytes, timeoutMs, controller);
    } finally {
      timer.cancel();
      this.pendingCount--;
      this.controllers.delete(controller);
    }
  }

  close(): void {
    this.closed = true;
    for (const controller of this.controllers) controller.abort();
  }

  private async post(
    bytes: Uint8Array,
    timeoutMs: number,
    controller: AbortController,
  ): Promise<NetworkExchangeResult> {
    const fetchFn = this.options.fetch ?? globalThis.fetch;
    let response: Response;
    try {
      response = await fetchFn(`${this.options.baseUrl.replace(/\/+$/, '')}${ACQUIRER_GATEWAY_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: bytesToBase64(bytes), timeoutMs }),
        signal: controller.signal,
      });
    } catch {
      // The request may have left before the failure (or the abort): the outcome is unknown.
      return failure(controller.signal.aborted && !this.closed ? 'NETWORK_TIMEOUT' : 'NETWORK_LINK_LOST');
    }
    return this.answerOf(response, controller);
  }

  private async answerOf(response: Response, controller: AbortController): Promise<NetworkExchangeResult> {
    let json: unknown;
    try {
      json = await response.json();
    } catch {
      return failure(controller.signal.aborted ? 'NETWORK_TIMEOUT' : 'NETWORK_LINK_LOST');
    }
    if (response.status !== 200) {
      const code = codeByStatus.get(response.status);
      this.logger.warn({ status: response.status }, 'acquirer gateway answered an error');
      // A status the gateway does not send (a proxy's 500) says nothing about the network: unknown.
      return failure(code ?? 'NETWORK_LINK_LOST');
    }
    const text = (json as { message?: unknown } | null)?.message;
    const bytes = typeof text === 'string' ? base64ToBytes(text) : undefined;
    const decoded = bytes === undefined ? undefined : decodeIso8583(iso8583v1987, bytes);
    if (decoded === undefined || !decoded.ok) {
      this.logger.warn({}, 'undecodable answer from the acquirer gateway');
      return failure('NETWORK_LINK_LOST');
    }
    return { ok: true, value: decoded.value };
  }
}
