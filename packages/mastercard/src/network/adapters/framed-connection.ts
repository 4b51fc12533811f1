import type { Socket } from 'node:net';
import {
  decodeIso8583,
  encodeFrame,
  encodeIso8583,
  FrameDecoder,
  type Iso8583Message,
  iso8583v1987,
  tcpFraming,
} from '@tapkit/emv';
import type { NetworkLogger } from '../logger.ts';

// One TCP connection carrying ISO 8583:1987 messages, each behind a 2-byte big-endian length. A
// message that does not decode is logged and dropped (the connection stays usable, the framing is
// intact); a broken frame means the stream is out of sync, so the connection is closed.

export class FramedConnection {
  private readonly decoder = new FrameDecoder(tcpFraming);

  constructor(
    readonly socket: Socket,
    private readonly onMessage: (message: Iso8583Message) => void,
    private readonly logger: NetworkLogger,
  ) {
    // Request and answer messages are small and latency-bound: Nagle's algorithm would hold a message
    // written while an earlier one is unacknowledged until the peer's delayed ACK (40 ms on Linux).
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    // Errors are followed by 'close'; the owner reacts to 'close'.
    socket.on('error', (error) =>
      this.logger.warn({ code: (error as NodeJS.ErrnoException).code }, 'socket error'),
    );
  }

  send(message: Iso8583Message): boolean {
    if (this.socket.destroyed || !this.socket.writable) return false;
    this.socket.write(encodeFrame(encodeIso8583(iso8583v1987, message), tcpFraming));
    return true;
  }

  close(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    const frames = this.decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if (!frames.ok) {
      this.logger.warn({ code: frames.error.code }, 'framing error, closing the connection');
      this.socket.destroy();
      return;
    }
    for (const frame of frames.value) {
      const decoded = decodeIso8583(iso8583v1987, frame);
      if (!decoded.ok) {
        this.logger.warn(
          { code: decoded.error.code, field: decoded.error.field },
          'undecodable message dropped',
        );
        continue;
      }
      this.onMessage(decoded.value);
    }
  }
}
