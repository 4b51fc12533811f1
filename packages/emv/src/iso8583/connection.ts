// One stream connection carrying ISO 8583 messages, each behind a 2-byte big-endian length (tcpFraming).
// Written once for every party on the card network's links (the network's two entries, the issuer's
// link server, the acquirer's client and the tests' peers). A message that does not decode is logged and
// dropped (the framing is intact, the connection stays usable); a broken frame means the stream is out of
// sync, so the connection is closed. Isomorphic: the socket is anything shaped like a node:net Socket.
import { decodeIso8583, encodeIso8583 } from './codec.ts';
import { iso8583v1987 } from './fields1987.ts';
import { encodeFrame, FrameDecoder, tcpFraming } from './framing.ts';
import type { Iso8583Message, Iso8583Spec } from './spec.ts';

/** The parts of a node:net Socket the connection uses. */
export interface FramedSocket {
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  write(bytes: Uint8Array): boolean;
  destroy(): void;
  readonly destroyed: boolean;
  readonly writable: boolean;
  /** node:net sockets have it; the connection turns Nagle's algorithm off where it can. */
  setNoDelay?(noDelay?: boolean): unknown;
}

/** What the connection reports: codes and field numbers only, never message content. */
export interface FramedConnectionLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface Iso8583ConnectionOptions {
  readonly onMessage: (message: Iso8583Message) => void;
  readonly logger: FramedConnectionLogger;
  /** Prefix of the log messages, naming the link (e.g. 'issuer link'). */
  readonly label?: string;
  /** ISO 8583:1987 unless set. */
  readonly spec?: Iso8583Spec;
}

/** The message framed for the wire (ISO 8583:1987 unless `spec`); throws when the codec refuses it. */
export function encodeIso8583Frame(message: Iso8583Message, spec: Iso8583Spec = iso8583v1987): Uint8Array {
  return encodeFrame(encodeIso8583(spec, message), tcpFraming);
}

export class Iso8583Connection {
  private readonly decoder = new FrameDecoder(tcpFraming);
  private readonly spec: Iso8583Spec;
  private readonly prefix: string;

  constructor(
    readonly socket: FramedSocket,
    private readonly options: Iso8583ConnectionOptions,
  ) {
    this.spec = options.spec ?? iso8583v1987;
    this.prefix = options.label === undefined ? '' : `${options.label}: `;
    // Request and answer messages are small and latency-bound: Nagle's algorithm would hold a message
    // written while an earlier one is unacknowledged until the peer's delayed ACK (40 ms on Linux).
    socket.setNoDelay?.(true);
    socket.on('data', (chunk) => this.receive(chunk));
    // Errors are followed by 'close'; the owner reacts to 'close'.
    socket.on('error', (error) =>
      options.logger.warn({ code: (error as { code?: unknown }).code }, `${this.prefix}socket error`),
    );
  }

  /** The message framed for the wire; throws when the codec refuses it (a defect upstream). */
  frame(message: Iso8583Message): Uint8Array {
    return encodeIso8583Frame(message, this.spec);
  }

  /** Writes a frame from `frame`; false when the socket is gone (nothing was written). */
  sendFrame(frame: Uint8Array): boolean {
    if (this.socket.destroyed || !this.socket.writable) return false;
    this.socket.write(frame);
    return true;
  }

  /** Frames and writes the message; false when the socket is gone. Throws when the codec refuses it. */
  send(message: Iso8583Message): boolean {
    return this.sendFrame(this.frame(message));
  }

  close(): void {
    this.socket.destroy();
  }

  private receive(chunk: Uint8Array): void {
    const frames = this.decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if (!frames.ok) {
      this.options.logger.warn({ code: frames.error.code }, `${this.prefix}framing error, closing`);
      this.socket.destroy();
      return;
    }
    for (const frame of frames.value) {
      const decoded = decodeIso8583(this.spec, frame);
      if (!decoded.ok) {
        this.options.logger.warn(
          { code: decoded.error.code, field: decoded.error.field },
          `${this.prefix}undecodable message dropped`,
        );
        continue;
      }
      this.options.onMessage(decoded.value);
    }
  }
}
