// (tapkit) What happened to a tap after the ARQC left the phone. The issuer's answer (the 0110, DE39)
// goes back to the terminal, never to the phone; the Alipay+ way to tell the SDK is the Ant server's
// notification feed (NOTIFY PULL), which carries a TRANSACTION_RESULT event per decided authorization.
// After each ARQC the SDK pulls the feed at the configured offsets (1, 2, 4 s by default) on the
// injected clock until the event of that tap's ATC arrives, then tells the app: onTransactionFailed
// (result NETWORK_DECLINED, no code: docs/protocol/sdk.md#what-the-listener-hears, with DE39 and the MPP's
// resultCode as the decline reason) for a decline, onTransactionResult for every result. Nothing here runs
// inside processApdu: watch() only arms timers.
import { Mutex } from '@tapkit/protocol/concurrency';
import type { TransactionResult as WireTransactionResult } from '@tapkit/protocol/wire/ant-sdk';
import type { SdkContext } from '../lifecycle/context.ts';
import type { TimerHandle, TransactionInfo, TransactionOutcome } from '../ports.ts';

/** Events per PULL page (the Ant server's maximum). */
const PULL_PAGE_EVENTS = 50;
/** (tapkit) Pages read per poll: a long feed is caught up over several polls, never in one loop. */
export const PULL_PAGES_PER_POLL_MAX = 10;
/** Taps watched at once; the oldest is dropped beyond it (a tap every second cannot pile up timers). */
export const WATCHES_MAX = 16;

interface Watch {
  readonly userId: string;
  readonly tokenUniqueReference: string;
  readonly atc: number;
  readonly transactionInfo: TransactionInfo;
  readonly timers: TimerHandle[];
}

const keyOf = (tokenUniqueReference: string, atc: number) => `${tokenUniqueReference}|${atc}`;

export class TransactionResultWatcher {
  private readonly watches = new Map<string, Watch>();
  /** The feed position already read, per user: events are per customer, the cursor follows the user. */
  private cursor: { userId: string; afterSequence: number } | undefined;
  /** One PULL sequence at a time, so two taps' polls do not read the same page twice. */
  private readonly pulls = new Mutex();

  constructor(private readonly context: SdkContext) {}

  /** Arms the polls for one ARQC; returns at once. */
  watch(input: Omit<Watch, 'timers'>): void {
    const { clock } = this.context.deps;
    const offsets = this.context.config.transactionResultPollAtMs;
    if (offsets.length === 0) return;
    const key = keyOf(input.tokenUniqueReference, input.atc);
    this.drop(key);
    if (this.watches.size >= WATCHES_MAX) {
      const oldest = this.watches.keys().next().value;
      if (oldest !== undefined) this.drop(oldest);
    }
    const watch: Watch = { ...input, timers: [] };
    this.watches.set(key, watch);
    offsets.forEach((atMs, index) => {
      const last = index === offsets.length - 1;
      watch.timers.push(clock.setTimer(atMs, () => void this.poll(key, last)));
    });
  }

  /** Stops every watch (disconnect): a result for a user who left is not reported. */
  cancelAll(): void {
    for (const key of [...this.watches.keys()]) this.drop(key);
  }

  private drop(key: string): void {
    const watch = this.watches.get(key);
    if (watch === undefined) return;
    for (const timer of watch.timers) timer.cancel();
    this.watches.delete(key);
  }

  private async poll(key: string, last: boolean): Promise<void> {
    const watch = this.watches.get(key);
    if (watch === undefined) return;
    const session = this.context.connected ? this.context.require() : undefined;
    if (session?.userId !== watch.userId) {
      this.drop(key);
      return;
    }
    try {
      await this.pulls.run(() => this.readFeed(watch.userId));
    } catch {
      // No answer this time (offline, server busy): the next poll asks again; the tap itself stands.
    }
    // Still watched after the last poll: the result did not come in time; the app hears nothing more.
    if (last) this.drop(key);
  }

  /** Reads the feed from the cursor, at most PULL_PAGES_PER_POLL_MAX pages, reporting watched results. */
  private async readFeed(userId: string): Promise<void> {
    let afterSequence = this.cursor?.userId === userId ? this.cursor.afterSequence : 0;
    for (let page = 0; page < PULL_PAGES_PER_POLL_MAX; page++) {
      const answer = await this.context.deps.ant.call(
        'PULL',
        { afterSequence, limit: PULL_PAGE_EVENTS },
        'NETWORK_EXCEPTION',
      );
      for (const event of answer.events) {
        if (event.kind !== 'TRANSACTION_RESULT' || event.transaction === undefined) continue;
        this.settle(keyOf(event.tokenUniqueReference, event.transaction.atc), event.transaction);
      }
      afterSequence = Math.max(afterSequence, answer.lastSequence);
      this.cursor = { userId, afterSequence };
      // A short page is the end of the feed (or the server trimmed it to fit; the next poll goes on).
      if (answer.events.length < PULL_PAGE_EVENTS || this.watches.size === 0) return;
    }
  }

  private settle(key: string, result: WireTransactionResult): void {
    const watch = this.watches.get(key);
    if (watch === undefined) return;
    this.drop(key);
    const listener = this.context.deps.listener;
    const outcome: TransactionOutcome = {
      tokenUniqueReference: watch.tokenUniqueReference,
      atc: watch.atc,
      approved: result.approved,
      de39: result.de39,
      ...(result.resultCode === undefined ? {} : { resultCode: result.resultCode }),
      networkTraceId: result.networkTraceId,
      amount: { currency: result.amount.currency, valueMinor: BigInt(result.amount.value) },
    };
    safely(() => listener.onTransactionResult?.(outcome));
    if (result.approved) return;
    safely(() =>
      listener.onTransactionFailed?.({
        result: 'NETWORK_DECLINED',
        transactionInfo: watch.transactionInfo,
        atc: watch.atc,
        de39: result.de39,
        ...(result.resultCode === undefined ? {} : { declineReason: result.resultCode }),
      }),
    );
  }
}

/** App callbacks must not break the SDK: their exceptions are the app's bugs. */
function safely(callback: () => void): void {
  try {
    callback();
  } catch {
    // Deliberately ignored; see above.
  }
}
