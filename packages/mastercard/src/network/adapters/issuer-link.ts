import { connect } from 'node:net';
import {
  type FieldValue,
  getText,
  Iso8583Connection,
  type Iso8583Message,
  NETWORK_MANAGEMENT_CODE,
  RESPONSE_CODE,
  responseMti,
} from '@tapkit/emv';
import {
  type Clock,
  type RetrySchedule,
  retryDelayMs,
  retrySchedule,
  type TimerHandle,
} from '@tapkit/protocol';
import type { NetworkLogger } from '../logger.ts';
import type { IssuerExchangeResult, IssuerLink } from '../ports.ts';

// The network's TCP link to the issuer processor (Alipay+). The network numbers the messages it sends
// with its own STAN (DE11), since requests from many acquirers share this link and their STANs can
// collide; a response is matched by MTI, STAN and RRN. Timeouts run on the Clock. The link signs on
// (0800/001) after each connect and reconnects after a drop with a growing, capped delay.

export interface IssuerLinkConfig {
  readonly host: string;
  readonly port: number;
  /** Wait before reconnect attempt n. */
  readonly reconnect: RetrySchedule;
  /** Requests waiting for an answer at once. */
  readonly pendingCountMax: number;
  readonly signOnTimeoutMs: number;
}

export const defaultIssuerLinkReconnect: RetrySchedule = retrySchedule([100, 500, 1_000, 2_000, 5_000]);

interface Pending {
  readonly responseMti: string;
  readonly resolve: (result: IssuerExchangeResult) => void;
  readonly timer: TimerHandle;
}

const stanModulus = 1_000_000;

export class TcpIssuerLink implements IssuerLink {
  private connection: Iso8583Connection | undefined;
  private readonly pending = new Map<string, Pending>();
  private stanLast = 0;
  private reconnectAttempts = 0;
  private stopped = false;

  constructor(
    private readonly config: IssuerLinkConfig,
    private readonly deps: { clock: Clock; logger: NetworkLogger },
  ) {}

  /**
   * Connects and signs on; resolves once the sign-on is answered or timed out (or rejects if the
   * first connect fails). Later reconnects sign on again by themselves.
   */
  async start(): Promise<void> {
    this.stopped = false;
    await new Promise<void>((resolve, reject) => this.connectOnce(resolve, reject));
    await this.signOn();
  }

  stop(): void {
    this.stopped = true;
    this.connection?.close();
    this.connection = undefined;
  }

  isConnected(): boolean {
    return this.connection !== undefined;
  }

  exchange(request: Iso8583Message, timeoutMs: number): Promise<IssuerExchangeResult> {
    const connection = this.connection;
    if (connection === undefined) return Promise.resolve(failure('ISSUER_UNAVAILABLE'));
    if (this.pending.size >= this.config.pendingCountMax) return Promise.resolve(failure('ISSUER_LINK_BUSY'));
    const stan = this.nextStan();
    const fields = new Map<number, FieldValue>(request.fields);
    fields.set(11, stan);
    const key = matchKey(stan, getText(request, 37));
    return new Promise((resolve) => {
      const timer = this.deps.clock.setTimer(timeoutMs, () => {
        if (this.pending.delete(key)) resolve(failure('ISSUER_TIMEOUT'));
      });
      this.pending.set(key, { responseMti: responseMti(request.mti), resolve, timer });
      if (!connection.send({ mti: request.mti, fields })) {
        this.pending.delete(key);
        timer.cancel();
        resolve(failure('ISSUER_UNAVAILABLE'));
      }
    });
  }

  private connectOnce(onFirstConnect?: () => void, onFirstFailure?: (error: Error) => void): void {
    const isFirst = onFirstConnect !== undefined;
    const socket = connect({ host: this.config.host, port: this.config.port });
    const connection = new Iso8583Connection(socket, {
      onMessage: (message) => this.receive(message),
      logger: this.deps.logger,
    });
    socket.once('connect', () => {
      this.connection = connection;
      this.reconnectAttempts = 0;
      this.deps.logger.info({ host: this.config.host, port: this.config.port }, 'issuer link connected');
      if (isFirst) onFirstConnect();
      else void this.signOn();
    });
    socket.once('close', () => {
      const wasConnected = this.connection === connection;
      if (wasConnected) this.connection = undefined;
      if (!wasConnected && onFirstFailure !== undefined) {
        onFirstFailure(new Error(`issuer link: cannot connect to ${this.config.host}:${this.config.port}`));
      }
      this.failPending();
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const delayMs = retryDelayMs(this.config.reconnect, this.reconnectAttempts + 1);
    this.reconnectAttempts += 1;
    this.deps.clock.setTimer(delayMs, () => {
      if (!this.stopped && this.connection === undefined) this.connectOnce();
    });
  }

  /** A dropped connection leaves every sent request without an answer: the outcome is unknown. */
  private failPending(): void {
    for (const [key, pending] of this.pending) {
      pending.timer.cancel();
      this.pending.delete(key);
      pending.resolve(failure('ISSUER_TIMEOUT'));
    }
  }

  private async signOn(): Promise<void> {
    const signOn: Iso8583Message = {
      mti: '0800',
      fields: new Map<number, FieldValue>([[70, NETWORK_MANAGEMENT_CODE.SIGN_ON]]),
    };
    const result = await this.exchange(signOn, this.config.signOnTimeoutMs);
    const responseCode = result.ok ? getText(result.value, 39) : result.error.code;
    this.deps.logger.info({ responseCode }, 'issuer link sign-on answered');
  }

  private receive(message: Iso8583Message): void {
    if (message.mti === '0800') {
      // The issuer's echo test: answer it here, it is about the link, not about a transaction.
      const fields = new Map<number, FieldValue>();
      for (const field of [7, 11, 70]) {
        const value = message.fields.get(field);
        if (value !== undefined) fields.set(field, value);
      }
      fields.set(39, RESPONSE_CODE.APPROVED);
      this.connection?.send({ mti: '0810', fields });
      return;
    }
    const key = matchKey(getText(message, 11) ?? '', getText(message, 37));
    const pending = this.pending.get(key);
    if (pending === undefined || pending.responseMti !== message.mti) {
      this.deps.logger.warn(
        { mti: message.mti, stan: getText(message, 11) },
        'unmatched or late issuer message dropped',
      );
      return;
    }
    this.pending.delete(key);
    pending.timer.cancel();
    pending.resolve({ ok: true, value: message });
  }

  private nextStan(): string {
    // Bounded: at most pendingCountMax STANs are in use, far below the modulus.
    for (let tries = 0; tries < stanModulus; tries++) {
      this.stanLast = (this.stanLast % (stanModulus - 1)) + 1;
      const stan = String(this.stanLast).padStart(6, '0');
      if (![...this.pending.keys()].some((key) => key.startsWith(`${stan}|`))) return stan;
    }
    throw new Error('issuer link: no free STAN');
  }
}

function matchKey(stan: string, rrn: string | undefined): string {
  return `${stan}|${rrn ?? ''}`;
}

function failure(code: 'ISSUER_TIMEOUT' | 'ISSUER_UNAVAILABLE' | 'ISSUER_LINK_BUSY'): IssuerExchangeResult {
  return { ok: false, error: { code } };
}
