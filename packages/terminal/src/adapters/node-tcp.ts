import { connect, type Socket } from 'node:net';
import {
  decodeIso8583,
  encodeFrame,
  encodeIso8583,
  FrameDecoder,
  getText,
  type Iso8583Message,
  iso8583v1987,
  tcpFraming,
} from '@tapkit/emv';
import type {
  Clock,
  NetworkConnection,
  NetworkExchangeErrorCode,
  NetworkExchangeResult,
  TerminalLogger,
  TimerHandle,
} from '../ports.ts';
import { silentLogger } from '../ports.ts';

// The acquirer's TCP client to the card network's acquirer entry (Node only; reached through the
// "@tapkit/terminal/node" entry point so browser bundles never load node:net). ISO 8583:1987 messages,
// each behind a 2-byte big-endian length (tapkit). Several requests may be in flight on one
// connection; answers are matched to requests by terminal id (DE41) and STAN (DE11). The connection
// is opened on first use and again after it drops.

export interface TcpNetworkConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly clock: Clock;
  readonly connectTimeoutMs: number;
  /** Requests waiting for an answer at once; beyond it exchange answers NETWORK_BUSY. */
  readonly pendingCountMax: number;
  readonly logger?: TerminalLogger;
}

interface Pending {
  readonly resolve: (result: NetworkExchangeResult) => void;
  readonly timer: TimerHandle;
}

const failure = (code: NetworkExchangeErrorCode): NetworkExchangeResult => ({ ok: false, error: { code } });

function correlationKey(message: Iso8583Message): string | undefined {
  const terminalId = message.fields.get(41);
  const stan = message.fields.get(11);
  return typeof terminalId === 'string' && typeof stan === 'string' ? `${terminalId}|${stan}` : undefined;
}

export class TcpNetworkConnection implements NetworkConnection {
  private socket: Socket | undefined;
  private connecting: Promise<Socket | undefined> | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly logger: TerminalLogger;
  private closed = false;

  constructor(private readonly options: TcpNetworkConnectionOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  async exchange(request: Iso8583Message, timeoutMs: number): Promise<NetworkExchangeResult> {
    const key = correlationKey(request);
    if (this.closed || key === undefined) return failure('NETWORK_UNAVAILABLE');
    if (this.pending.size >= this.options.pendingCountMax || this.pending.has(key))
      return failure('NETWORK_BUSY');
    let frame: Uint8Array;
    try {
      frame = encodeFrame(encodeIso8583(iso8583v1987, request), tcpFraming);
    } catch (cause) {
      // A message the codec refuses is a defect upstream; it was not sent, so nothing needs reversing.
      this.logger.error({ mti: request.mti, error: String(cause) }, 'request could not be encoded');
      return failure('NETWORK_UNAVAILABLE');
    }
    const socket = await this.connected();
    if (socket === undefined) return failure('NETWORK_UNAVAILABLE');
    return new Promise<NetworkExchangeResult>((resolve) => {
      const timer = this.options.clock.setTimer(timeoutMs, () => {
        this.pending.delete(key);
        resolve(failure('NETWORK_TIMEOUT'));
      });
      this.pending.set(key, { resolve, timer });
      socket.write(frame);
    });
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
    this.failPending('NETWORK_LINK_LOST');
  }

  private connected(): Promise<Socket | undefined> {
    if (this.socket !== undefined && !this.socket.destroyed) return Promise.resolve(this.socket);
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private open(): Promise<Socket | undefined> {
    const { host, port, clock, connectTimeoutMs } = this.options;
    return new Promise((resolve) => {
      const socket = connect({ host, port });
      const timer = clock.setTimer(connectTimeoutMs, () => {
        socket.destroy();
        resolve(undefined);
      });
      socket.once('connect', () => {
        timer.cancel();
        this.attach(socket);
        resolve(socket);
      });
      socket.once('error', (error) => {
        timer.cancel();
        this.logger.warn(
          { host, port, code: (error as NodeJS.ErrnoException).code },
          'network connection failed',
        );
        resolve(undefined);
      });
    });
  }

  private attach(socket: Socket): void {
    this.socket = socket;
    const decoder = new FrameDecoder(tcpFraming);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      const frames = decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      if (!frames.ok) {
        this.logger.warn({ code: frames.error.code }, 'framing error from the network, closing');
        socket.destroy();
        return;
      }
      for (const frame of frames.value) this.receive(frame);
    });
    // 'error' is followed by 'close'; the requests in flight learn of the loss there.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.socket === socket) this.socket = undefined;
      this.failPending('NETWORK_LINK_LOST');
    });
  }

  private receive(frame: Uint8Array): void {
    const decoded = decodeIso8583(iso8583v1987, frame);
    if (!decoded.ok) {
      this.logger.warn(
        { code: decoded.error.code, field: decoded.error.field },
        'undecodable answer dropped',
      );
      return;
    }
    const key = correlationKey(decoded.value);
    const pending = key === undefined ? undefined : this.pending.get(key);
    if (key === undefined || pending === undefined) {
      this.logger.warn(
        { mti: decoded.value.mti, stan: getText(decoded.value, 11) },
        'unmatched answer dropped',
      );
      return;
    }
    this.pending.delete(key);
    pending.timer.cancel();
    pending.resolve({ ok: true, value: decoded.value });
  }

  private failPending(code: NetworkExchangeErrorCode): void {
    for (const [key, pending] of this.pending) {
      pending.timer.cancel();
      pending.resolve(failure(code));
      this.pending.delete(key);
    }
  }
}
