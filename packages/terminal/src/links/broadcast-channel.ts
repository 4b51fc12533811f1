import { bytesToHex } from '@tapkit/emv';
import type { Clock, NfcLink, Random, TimerHandle } from '../ports.ts';
import { apduBytesMax, LinkError } from './errors.ts';
import type { ApduHandler } from './in-process.ts';

// A "tap" between two browser tabs of the same origin: the POS page (reader side) posts command APDUs
// on a BroadcastChannel, the wallet page (card side) answers them by calling the SDK's processApdu.
// A BroadcastChannel reaches every other tab of the origin, so each command carries a correlation id
// and the reader takes the first answer for it. Node 20 has BroadcastChannel too, so it is tested there.

export const defaultNfcChannelName = 'tapkit-nfc';
/** (tapkit) Version tag of the messages on the channel; anything else on the channel is ignored. */
export const nfcChannelProtocol = 'tapkit-nfc/1';

/** The part of BroadcastChannel the links use, so tests and other transports can stand in. */
export interface BroadcastChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  close(): void;
}

export type ChannelFactory = (name: string) => BroadcastChannelLike;

const defaultChannelFactory: ChannelFactory = (name) => new BroadcastChannel(name) as BroadcastChannelLike;

interface CommandMessage {
  readonly protocol: typeof nfcChannelProtocol;
  readonly kind: 'command';
  readonly id: string;
  readonly apdu: Uint8Array;
}

interface ResponseMessage {
  readonly protocol: typeof nfcChannelProtocol;
  readonly kind: 'response';
  readonly id: string;
  readonly apdu: Uint8Array;
}

function isMessage(data: unknown, kind: 'command' | 'response'): data is CommandMessage | ResponseMessage {
  if (typeof data !== 'object' || data === null) return false;
  const message = data as Record<string, unknown>;
  return (
    message.protocol === nfcChannelProtocol &&
    message.kind === kind &&
    typeof message.id === 'string' &&
    message.id.length <= 64 &&
    message.apdu instanceof Uint8Array &&
    message.apdu.length <= apduBytesMax
  );
}

export interface BroadcastChannelReaderOptions {
  readonly clock: Clock;
  readonly random: Random;
  /** How long one command waits for the card's answer. */
  readonly timeoutMs: number;
  readonly channelName?: string;
  /** Commands waiting at once; the reader sends one at a time, so a small bound suffices. */
  readonly pendingCountMax?: number;
  readonly createChannel?: ChannelFactory;
}

interface Pending {
  readonly resolve: (response: Uint8Array) => void;
  readonly reject: (error: LinkError) => void;
  readonly timer: TimerHandle;
}

/** The POS side of the two-tab link. */
export class BroadcastChannelReaderLink implements NfcLink {
  private readonly channel: BroadcastChannelLike;
  private readonly pending = new Map<string, Pending>();
  private readonly readerId: string;
  private readonly pendingCountMax: number;
  private sequence = 0;
  private closed = false;

  constructor(private readonly options: BroadcastChannelReaderOptions) {
    this.channel = (options.createChannel ?? defaultChannelFactory)(
      options.channelName ?? defaultNfcChannelName,
    );
    this.channel.addEventListener('message', (event) => this.receive(event.data));
    // A random reader id keeps two POS tabs from taking each other's answers.
    this.readerId = bytesToHex(options.random.bytes(8));
    this.pendingCountMax = options.pendingCountMax ?? 4;
  }

  transceive(command: Uint8Array): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new LinkError('LINK_CLOSED', 'the reader link is closed'));
    if (this.pending.size >= this.pendingCountMax) {
      return Promise.reject(new LinkError('LINK_BUSY', `${this.pending.size} commands waiting`));
    }
    this.sequence += 1;
    const id = `${this.readerId}-${this.sequence}`;
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = this.options.clock.setTimer(this.options.timeoutMs, () => {
        this.pending.delete(id);
        reject(new LinkError('LINK_TIMEOUT', `no answer within ${this.options.timeoutMs} ms`));
      });
      this.pending.set(id, { resolve, reject, timer });
      const message: CommandMessage = {
        protocol: nfcChannelProtocol,
        kind: 'command',
        id,
        apdu: command.slice(),
      };
      this.channel.postMessage(message);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const [id, pending] of this.pending) {
      pending.timer.cancel();
      pending.reject(new LinkError('LINK_CLOSED', 'the reader link was closed'));
      this.pending.delete(id);
    }
    this.channel.close();
  }

  private receive(data: unknown): void {
    if (!isMessage(data, 'response')) return;
    const pending = this.pending.get(data.id);
    // Late answers (after a timeout) and answers from a second wallet tab are dropped here.
    if (pending === undefined) return;
    this.pending.delete(data.id);
    pending.timer.cancel();
    pending.resolve(data.apdu.slice());
  }
}

export interface CardChannelOptions {
  readonly channelName?: string;
  readonly createChannel?: ChannelFactory;
}

export interface CardChannel {
  close(): void;
}

/** SW 6F00 "no precise diagnosis": what a card answers when it fails internally. */
const swUnknownError = Uint8Array.of(0x6f, 0x00);

/**
 * The wallet side: answers every command on the channel with `handler` (the SDK's processApdu). A
 * handler that throws or answers something that is not a response APDU gets 6F00 on the wire, so the
 * reader sees a card error rather than waiting for its timeout.
 */
export function serveCardOverBroadcastChannel(
  handler: ApduHandler,
  options: CardChannelOptions = {},
): CardChannel {
  const channel = (options.createChannel ?? defaultChannelFactory)(
    options.channelName ?? defaultNfcChannelName,
  );
  let closed = false;
  const answer = async (command: CommandMessage | ResponseMessage): Promise<void> => {
    let apdu: Uint8Array;
    try {
      const response = await handler(command.apdu.slice());
      const valid = response instanceof Uint8Array && response.length >= 2 && response.length <= apduBytesMax;
      apdu = valid ? response.slice() : swUnknownError;
    } catch {
      apdu = swUnknownError;
    }
    if (closed) return;
    const message: ResponseMessage = { protocol: nfcChannelProtocol, kind: 'response', id: command.id, apdu };
    channel.postMessage(message);
  };
  channel.addEventListener('message', (event) => {
    if (!closed && isMessage(event.data, 'command')) void answer(event.data);
  });
  return {
    close() {
      closed = true;
      channel.close();
    },
  };
}
