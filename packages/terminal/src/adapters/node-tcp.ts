import { connect, type Socket } from 'node:net';
import {
  encodeFrame,
  encodeIso8583,
  getText,
  Iso8583Connection,
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
import { AcquirerGateway, type AcquirerGatewayOptions } from './node-acquirer-gateway.ts';

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
  private connection: Iso8583Connection | undefined;
  private connecting: Promise<Iso8583Connection | undefined> | undefined;
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
    const connection = await this.connected();
    if (connection === undefined) return failure('NETWORK_UNAVAILABLE');
    return new Promise<NetworkExchangeResult>((resolve) => {
      const timer = this.options.clock.setTimer(timeoutMs, () => {
        this.pending.delete(key);
        resolve(failure('NETWORK_TIMEOUT'));
      });
      this.pending.set(key, { resolve, timer });
      connection.sendFrame(frame);
    });
  }

  close(): void {
    this.closed = true;
    this.connection?.close();
    this.failPending('NETWORK_LINK_LOST');
  }

  private connected(): Promise<Iso8583Connection | undefined> {
    if (this.connection !== undefined && !this.connection.socket.destroyed)
      return Promise.resolve(this.connection);
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private open(): Promise<Iso8583Connection | undefined> {
    const { host, port, clock, connectTimeoutMs } = this.options;
    return new Promise((resolve) => {
      const socket = connect({ host, port });
      const timer = clock.setTimer(connectTimeoutMs, () => {
        socket.destroy();
        resolve(undefined);
      });
      socket.once('connect', () => {
        timer.cancel();
        resolve(this.attach(socket));
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

  private attach(socket: Socket): Iso8583Connection {
    socket.setNoDelay(true);
    const connection = new Iso8583Connection(socket, {
      label: 'network',
      logger: this.logger,
      onMessage: (message) => this.receive(message),
    });
    this.connection = connection;
    // The requests in flight learn of a loss here ('error' is followed by 'close').
    socket.on('close', () => {
      if (this.connection === connection) this.connection = undefined;
      this.failPending('NETWORK_LINK_LOST');
    });
    return connection;
  }

  private receive(message: Iso8583Message): void {
    const key = correlationKey(message);
    const pending = key === undefined ? undefined : this.pending.get(key);
    if (key === undefined || pending === undefined) {
      this.logger.warn({ mti: message.mti, stan: getText(message, 11) }, 'unmatched answer dropped');
      return;
    }
    this.pending.delete(key);
    pending.timer.cancel();
    pending.resolve({ ok: true, value: message });
  }

  private failPending(code: NetworkExchangeErrorCode): void {
    for (const [key, pending] of this.pending) {
      pending.timer.cancel();
      pending.resolve(failure(code));
      this.pending.delete(key);
    }
  }
}

/** (tapkit) The acquirer host's defaults: a loopback network answers in milliseconds, a POS waits 15 s. */
export const ACQUIRER_DEFAULTS = {
  connectTimeoutMs: 5_000,
  pendingCountMax: 256,
  timeoutMsMax: 60_000,
  timeoutMsDefault: 15_000,
  inFlightMax: 64,
} as const;

export interface AcquirerConfig {
  /** The card network's acquirer entry. */
  readonly network: { readonly host: string; readonly port: number };
  readonly clock: Clock;
  readonly logger?: TerminalLogger;
  readonly onForward?: AcquirerGatewayOptions['onForward'];
  readonly onExchange?: AcquirerGatewayOptions['onExchange'];
  /** Tighter (or looser) limits than ACQUIRER_DEFAULTS, e.g. for a test; each one unset keeps its default. */
  readonly limits?: Partial<AcquirerLimits>;
}

export type AcquirerLimits = { readonly [K in keyof typeof ACQUIRER_DEFAULTS]: number };

export interface Acquirer {
  /** The POS's HTTP way in (registerAcquirerGateway mounts it). */
  readonly gateway: AcquirerGateway;
  readonly connection: TcpNetworkConnection;
  close(): void;
}

/**
 * The composition root of the acquirer host: the TCP link to the card network and the gateway the POS
 * posts its ISO 8583 requests to. `tapkit up` builds the acquirer through it.
 */
export function createAcquirer(config: AcquirerConfig): Acquirer {
  const logger = config.logger === undefined ? {} : { logger: config.logger };
  const limits: AcquirerLimits = { ...ACQUIRER_DEFAULTS, ...config.limits };
  const connection = new TcpNetworkConnection({
    host: config.network.host,
    port: config.network.port,
    clock: config.clock,
    connectTimeoutMs: limits.connectTimeoutMs,
    pendingCountMax: limits.pendingCountMax,
    ...logger,
  });
  const gateway = new AcquirerGateway({
    connection,
    timeoutMsMax: limits.timeoutMsMax,
    timeoutMsDefault: limits.timeoutMsDefault,
    inFlightMax: limits.inFlightMax,
    ...(config.onForward === undefined ? {} : { onForward: config.onForward }),
    ...(config.onExchange === undefined ? {} : { onExchange: config.onExchange }),
    ...logger,
  });
  return { gateway, connection, close: () => connection.close() };
}
