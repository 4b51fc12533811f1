import { encodeCommandApdu } from '@tapkit/emv';
import type { TerminalConfig } from '../domain/config.ts';
import {
  type KernelResult,
  type KernelTransition,
  readRecordCountMax,
  startKernel,
  stepKernel,
} from '../domain/kernel.ts';
import type { Transaction } from '../domain/terminal-data.ts';
import { LinkError } from '../links/errors.ts';
import type { Clock, NfcLink, Random, TerminalLogger } from '../ports.ts';
import { silentLogger } from '../ports.ts';

// The I/O edge of the card dialogue: sends the kernel's commands over the NFC link, bounds each
// exchange with a timeout on the injected clock, and feeds the answers back. A link failure stops the
// dialogue with TRY AGAIN (the card left the field, or the phone is slow); everything the card says is
// judged by the pure kernel.

/** PPSE, AID, GPO, the records and GENERATE AC: the most exchanges one tap can need. */
export const exchangeCountMax = 3 + readRecordCountMax + 1;

export type ReaderResult =
  | KernelResult
  | {
      readonly kind: 'LINK_FAILED';
      readonly reason: 'CARD_TIMEOUT' | 'CARD_LINK_LOST';
      readonly detail: string;
    };

export interface ReaderDeps {
  readonly config: TerminalConfig;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger?: TerminalLogger;
}

export class ContactlessReader {
  private readonly logger: TerminalLogger;

  constructor(private readonly deps: ReaderDeps) {
    this.logger = deps.logger ?? silentLogger;
  }

  /** Runs one tap's card dialogue. Never rejects: every failure is a result. */
  async read(link: NfcLink, transaction: Transaction): Promise<ReaderResult> {
    try {
      return await this.dialogue(link, transaction);
    } catch (cause) {
      // The kernel returns every card fault as a value; an exception here is a defect in the terminal.
      this.logger.error({ error: String(cause) }, 'card dialogue failed with an exception');
      return {
        kind: 'FAILED',
        failure: { code: 'TERMINAL_ERROR', step: undefined, detail: 'internal error' },
      };
    }
  }

  private async dialogue(link: NfcLink, transaction: Transaction): Promise<ReaderResult> {
    let transition: KernelTransition = startKernel({
      config: this.deps.config,
      transaction,
      unpredictableNumber: this.deps.random.bytes(4),
      atMs: this.deps.clock.nowMs(),
    });
    for (let exchange = 0; exchange <= exchangeCountMax; exchange++) {
      if (transition.kind === 'DONE') return transition.result;
      const answer = await this.exchange(link, encodeCommandApdu(transition.command));
      if (!(answer instanceof Uint8Array)) return answer;
      transition = stepKernel(transition.state, answer);
    }
    // The kernel bounds its own commands, so this is a defect, not a card problem.
    this.logger.error({ exchangeCountMax }, 'card dialogue exceeded its exchange bound');
    return {
      kind: 'FAILED',
      failure: { code: 'TERMINAL_ERROR', step: undefined, detail: 'exchange bound exceeded' },
    };
  }

  private async exchange(link: NfcLink, command: Uint8Array): Promise<Uint8Array | ReaderResult> {
    const { clock, config } = this.deps;
    let timer: { cancel(): void } | undefined;
    const timeout = new Promise<'TIMEOUT'>((resolve) => {
      timer = clock.setTimer(config.apduTimeoutMs, () => resolve('TIMEOUT'));
    });
    try {
      const answer = await Promise.race([link.transceive(command), timeout]);
      if (answer === 'TIMEOUT') {
        return {
          kind: 'LINK_FAILED',
          reason: 'CARD_TIMEOUT',
          detail: `no answer within ${config.apduTimeoutMs} ms`,
        };
      }
      if (!(answer instanceof Uint8Array)) {
        return {
          kind: 'LINK_FAILED',
          reason: 'CARD_LINK_LOST',
          detail: 'the link returned a non-byte value',
        };
      }
      return answer;
    } catch (cause) {
      const timedOut = cause instanceof LinkError && cause.code === 'LINK_TIMEOUT';
      return {
        kind: 'LINK_FAILED',
        reason: timedOut ? 'CARD_TIMEOUT' : 'CARD_LINK_LOST',
        detail: cause instanceof Error ? cause.message : 'link failed',
      };
    } finally {
      timer?.cancel();
    }
  }
}
