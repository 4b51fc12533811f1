import type { Iso8583Message } from '@tapkit/emv';

// What the terminal needs from the world. The terminal runs in the browser too, so these ports are
// declared here rather than imported from @tapkit/protocol, whose entry point pulls in node:crypto and
// Fastify. `Clock` has the same shape as protocol's, so its systemClock and VirtualClock fit.

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
  /** Runs `fn` once after `delayMs`. */
  setTimer(delayMs: number, fn: () => void): TimerHandle;
}

export interface Random {
  /** `lengthBytes` unpredictable bytes (the unpredictable number 9F37, correlation ids). */
  bytes(lengthBytes: number): Uint8Array;
}

/** pino-compatible subset. Callers never pass PANs, track data, keys or DE55 in `fields`. */
export interface TerminalLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export const silentLogger: TerminalLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * The contactless field between the reader and a card (a phone doing host card emulation). A link
 * rejects with a LinkError (src/links/errors.ts) when the card is gone or does not answer; the reader
 * also bounds every exchange with its own timeout, so a link without one cannot hang a tap.
 */
export interface NfcLink {
  transceive(command: Uint8Array): Promise<Uint8Array>;
  close?(): void;
}

export type NetworkExchangeErrorCode =
  /** The request was not sent (no connection): nothing can have been authorized. */
  | 'NETWORK_UNAVAILABLE'
  /** Too many requests are waiting already; the request was not sent. */
  | 'NETWORK_BUSY'
  /** The request went out and no answer came in time: the outcome is unknown. */
  | 'NETWORK_TIMEOUT'
  /** The request went out and the connection dropped before the answer: the outcome is unknown. */
  | 'NETWORK_LINK_LOST';

export type NetworkExchangeResult =
  | { readonly ok: true; readonly value: Iso8583Message }
  | { readonly ok: false; readonly error: { readonly code: NetworkExchangeErrorCode } };

/**
 * The acquirer's connection to the card network's acquirer entry. `exchange` sends one request and
 * resolves with its response (matched by terminal id and STAN) or an error value; it never rejects.
 */
export interface NetworkConnection {
  exchange(request: Iso8583Message, timeoutMs: number): Promise<NetworkExchangeResult>;
  close?(): Promise<void> | void;
}

/** Whether a failed exchange may have reached the network, so that a reversal is owed. */
export function exchangeMayHaveReachedNetwork(code: NetworkExchangeErrorCode): boolean {
  return code === 'NETWORK_TIMEOUT' || code === 'NETWORK_LINK_LOST';
}
