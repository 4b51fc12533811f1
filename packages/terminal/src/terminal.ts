import { AcquirerLink } from './acquirer/acquirer-link.ts';
import type { TransactionJournal } from './acquirer/journal.ts';
import { MerchantPanel } from './acquirer/merchant-panel.ts';
import { InMemoryJournal } from './adapters/memory-journal.ts';
import { type TerminalConfig, validateTerminalConfig } from './domain/config.ts';
import type { TerminalOutcome } from './domain/outcome.ts';
import type { Transaction } from './domain/terminal-data.ts';
import type { Clock, NetworkConnection, NfcLink, Random, TerminalLogger } from './ports.ts';
import { silentLogger } from './ports.ts';
import { ContactlessReader, type ReaderResult } from './reader/contactless-reader.ts';

// The POS terminal: the contactless reader in front, the acquirer link behind, the merchant panel
// beside. The composition root of the package: the only place that wires its parts together.

export interface PosTerminalDeps {
  readonly config: TerminalConfig;
  readonly clock: Clock;
  readonly random: Random;
  readonly connection: NetworkConnection;
  readonly journal?: TransactionJournal;
  readonly logger?: TerminalLogger;
  /** The last STAN used before a restart. */
  readonly lastStan?: number;
}

export class PosTerminal {
  readonly panel: MerchantPanel;
  private readonly reader: ContactlessReader;
  private readonly acquirer: AcquirerLink;
  private readonly logger: TerminalLogger;
  private busy = false;

  constructor(deps: PosTerminalDeps) {
    const problems = validateTerminalConfig(deps.config);
    // A bad configuration is an operator error found at start-up, never in the middle of a tap.
    if (problems.length > 0) throw new RangeError(`invalid terminal configuration: ${problems.join('; ')}`);
    this.logger = deps.logger ?? silentLogger;
    const journal = deps.journal ?? new InMemoryJournal();
    this.reader = new ContactlessReader({ ...deps, logger: this.logger });
    this.acquirer = new AcquirerLink({ ...deps, journal, logger: this.logger });
    this.panel = new MerchantPanel(this.acquirer, journal, this.logger);
  }

  /**
   * One tap: the card dialogue, then the online authorization. Never rejects. A SEE_PHONE outcome
   * asks the customer to verify on the phone and tap again with the same transaction.
   */
  async tap(link: NfcLink, transaction: Transaction): Promise<TerminalOutcome> {
    if (this.busy) {
      return {
        kind: 'END_APPLICATION',
        reason: 'TERMINAL_ERROR',
        step: undefined,
        detail: 'a tap is already in progress',
      };
    }
    this.busy = true;
    try {
      const read = await this.reader.read(link, transaction);
      const outcome =
        read.kind === 'ONLINE_REQUEST' ? await this.acquirer.authorize(read.request) : outcomeOf(read);
      this.logger.info(
        { outcome: outcome.kind, reason: 'reason' in outcome ? outcome.reason : undefined },
        'tap finished',
      );
      return outcome;
    } catch (cause) {
      // Every card and network failure is a value; reaching here is a terminal defect.
      this.logger.error({ error: String(cause) }, 'tap failed with an exception');
      return { kind: 'END_APPLICATION', reason: 'TERMINAL_ERROR', step: undefined, detail: 'internal error' };
    } finally {
      this.busy = false;
    }
  }

  /** Waits for background reversals (shutdown, tests). */
  settled(): Promise<void> {
    return this.acquirer.settled();
  }
}

/** The outcome of a dialogue that ended without going online. */
export function outcomeOf(read: Exclude<ReaderResult, { kind: 'ONLINE_REQUEST' }>): TerminalOutcome {
  switch (read.kind) {
    case 'CARD_DECLINED':
      return { kind: 'DECLINED', reason: { source: 'CARD', code: 'CARD_DECLINED_AAC' } };
    case 'SEE_PHONE':
      return { kind: 'SEE_PHONE' };
    case 'LINK_FAILED':
      return { kind: 'TRY_AGAIN', reason: read.reason, reversalOwed: false };
    case 'FAILED': {
      const { code, step, detail, sw } = read.failure;
      return sw === undefined
        ? { kind: 'END_APPLICATION', reason: code, step, detail }
        : { kind: 'END_APPLICATION', reason: code, step, detail, sw };
    }
  }
}
