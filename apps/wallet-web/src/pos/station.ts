import { RESPONSE_CODE } from '@tapkit/emv';
import {
  AcquirerLink,
  BroadcastChannelReaderLink,
  buildAuthorizationRequest,
  type Clock,
  ContactlessReader,
  dateTimeFields,
  defaultTerminalConfig,
  HttpNetworkConnection,
  type JournalEntry,
  MerchantPanel,
  outcomeOf,
  type PanelResult,
  summaryOf,
  type TerminalConfig,
  type TerminalLogger,
  type TerminalOutcome,
  type TransactionJournal,
  webCryptoRandom,
} from '@tapkit/terminal';

// The POS page's terminal, composed from @tapkit/terminal's public parts: the contactless reader talks to
// the wallet tab over the BroadcastChannel, the acquirer link posts ISO 8583 to the system's acquirer
// gateway over HTTP, and the merchant panel refunds and voids. PosTerminal composes the same parts; the
// page composes them itself because its panel also sends refunds PosTerminal's panel refuses on purpose
// (more than paid, and from a shop the card never paid at), which the network and Alipay+ must handle.

export interface Merchant {
  readonly label: string;
  readonly terminalId: string;
  readonly merchantId: string;
  readonly merchantNameLocation: string;
}

/** (tapkit) Two demo shops: the second one is where an "unlinked" refund comes from. */
export const MERCHANTS: readonly Merchant[] = [
  {
    label: 'Tapkit Demo Shop',
    terminalId: defaultTerminalConfig.terminalId,
    merchantId: defaultTerminalConfig.merchantId,
    merchantNameLocation: defaultTerminalConfig.merchantNameLocation,
  },
  {
    label: 'Tapkit Outlet',
    terminalId: 'TAPKIT02',
    merchantId: 'TAPKITMERCHANT2',
    merchantNameLocation: 'Tapkit Outlet           Toronto      CA',
  },
];

/** The card answers over a channel between tabs, slower than a real field: a roomier APDU timeout. */
const apduTimeoutMs = 3_000;
/** STANs are six digits; a page starts at a random one below this, leaving room for the day's taps. */
const stanSeedMax = 900_000;

/** The terminal's log lines go to the browser console (fields after the message); errors stay errors. */
const consoleLogger: TerminalLogger = {
  info: (fields, message) => console.debug(`[terminal] ${message}`, fields),
  warn: (fields, message) => console.warn(`[terminal] ${message}`, fields),
  error: (fields, message) => console.error(`[terminal] ${message}`, fields),
};

/** The clock of the POS: the browser's, moved by the system clock's offset (the clock can be advanced). */
export function offsetClock(offsetMs: () => number): Clock {
  return {
    nowMs: () => Date.now() + offsetMs(),
    setTimer(delayMs, fn) {
      const handle = setTimeout(fn, Math.max(0, delayMs));
      return { cancel: () => clearTimeout(handle) };
    },
  };
}

export class PosStation {
  private acquirer: AcquirerLink;
  private reader: ContactlessReader;
  private panelImpl: MerchantPanel;
  private busy = false;
  private readonly connection: HttpNetworkConnection;
  private config: TerminalConfig;

  /** `journal`: where the sales are kept (IndexedDB on the page, so a reload keeps them). */
  constructor(
    readonly merchant: Merchant,
    currencyNumeric: string,
    private readonly clock: Clock,
    readonly journal: TransactionJournal,
  ) {
    this.connection = new HttpNetworkConnection({ baseUrl: '', clock, pendingCountMax: 4 });
    this.config = this.configFor(currencyNumeric);
    this.acquirer = this.newAcquirer();
    this.reader = new ContactlessReader({ config: this.config, clock, random: webCryptoRandom });
    this.panelImpl = new MerchantPanel(this.acquirer, this.journal, consoleLogger);
  }

  get panel(): MerchantPanel {
    return this.panelImpl;
  }

  get currencyNumeric(): string {
    return this.config.currencyCode;
  }

  /** Switches the currency of the next taps; the journal (and so refunds of earlier taps) stays. */
  setCurrency(currencyNumeric: string): void {
    if (currencyNumeric === this.config.currencyCode) return;
    this.config = this.configFor(currencyNumeric);
    this.acquirer = this.newAcquirer();
    this.reader = new ContactlessReader({ config: this.config, clock: this.clock, random: webCryptoRandom });
    this.panelImpl = new MerchantPanel(this.acquirer, this.journal, consoleLogger);
  }

  /** One tap against whichever wallet tab answers on the channel. Never rejects. */
  async tap(amountMinor: bigint): Promise<TerminalOutcome> {
    if (this.busy) {
      return {
        kind: 'END_APPLICATION',
        reason: 'TERMINAL_ERROR',
        step: undefined,
        detail: 'a tap is in progress',
      };
    }
    this.busy = true;
    const link = new BroadcastChannelReaderLink({
      clock: this.clock,
      random: webCryptoRandom,
      timeoutMs: apduTimeoutMs,
    });
    try {
      const read = await this.reader.read(link, { type: 'PURCHASE', amountMinor });
      return read.kind === 'ONLINE_REQUEST' ? await this.acquirer.authorize(read.request) : outcomeOf(read);
    } finally {
      link.close();
      this.busy = false;
    }
  }

  /**
   * A refund keyed on the panel without the panel's checks: any positive amount (more than paid gives
   * Alipay+'s EXCEED_REFUND), for the card of `original`, from this shop (the purchase may be another's).
   */
  async refundUnchecked(original: JournalEntry, amountMinor: bigint): Promise<PanelResult> {
    const trace = this.acquirer.nextTrace();
    const request = buildAuthorizationRequest({
      config: this.config,
      identity: original.card,
      kind: 'REFUND',
      amountMinor,
      stan: trace.stan,
      rrn: trace.rrn,
      utc: dateTimeFields(trace.atMs),
      local: this.acquirer.localTime(trace.atMs),
      icc: undefined,
      customData: undefined,
    });
    const sameShop = this.journalHas(original);
    const entry = this.acquirer.entryFor({
      request,
      trace,
      kind: 'REFUND',
      card: original.card,
      amountMinor,
      ...(sameShop ? { originalRrn: original.rrn } : {}),
    });
    await this.journal.save(entry);
    const result = await this.acquirer.exchangeOnce(request);
    if (!result.ok) {
      await this.journal.save({ ...entry, status: 'NOT_SENT' });
      return { ok: false, error: { code: result.code } };
    }
    const approved = result.answer.responseCode === RESPONSE_CODE.APPROVED;
    const saved = {
      ...entry,
      status: approved ? 'APPROVED' : 'DECLINED',
      responseCode: result.answer.responseCode,
    } as const;
    await this.journal.save(saved);
    if (!approved)
      return { ok: false, error: { code: 'DECLINED', responseCode: result.answer.responseCode } };
    if (sameShop)
      await this.journal.save({ ...original, refundedMinor: original.refundedMinor + amountMinor });
    return { ok: true, value: summaryOf(saved) };
  }

  private journalHas(entry: JournalEntry): boolean {
    return entry.request.fields.get(41) === this.config.terminalId;
  }

  private configFor(currencyNumeric: string): TerminalConfig {
    return {
      ...defaultTerminalConfig,
      terminalId: this.merchant.terminalId,
      merchantId: this.merchant.merchantId,
      merchantNameLocation: this.merchant.merchantNameLocation,
      currencyCode: currencyNumeric,
      apduTimeoutMs,
    };
  }

  private newAcquirer(): AcquirerLink {
    // (tapkit) The page keeps no STAN across loads: it starts at a random one, so a reloaded POS does not
    // repeat the STANs (and RRNs) it sent before.
    const seed = webCryptoRandom.bytes(4).reduce((n, byte) => n * 256 + byte, 0) % stanSeedMax;
    return new AcquirerLink({
      config: this.config,
      connection: this.connection,
      clock: this.clock,
      journal: this.journal,
      logger: consoleLogger,
      lastStan: seed,
    });
  }
}
