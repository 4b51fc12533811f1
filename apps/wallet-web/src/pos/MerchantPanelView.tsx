import type { JournalEntry, JournalSummary, MerchantPanel, PanelResult } from '@tapkit/terminal';
import { useState } from 'react';
import { currencyOfNumeric, formatMoney, parseMajor } from '../shared/money.ts';
import { DayControls } from './DayControls.tsx';
import { type Act, type Display, panelResultDisplay } from './display.ts';
import { JournalTable } from './JournalTable.tsx';

// The merchant panel: the terminal's journal, void (a full reversal), refunds (within what was paid,
// more than paid, and from the other shop: unlinked), and the system's day close (clearing) and clock.

/** What the panel needs of a terminal (PosStation): its journal, its panel, the unchecked refund. */
export interface PanelStation {
  readonly journal: { get(rrn: string): Promise<JournalEntry | undefined> };
  readonly panel: Pick<MerchantPanel, 'refund' | 'voidTransaction'>;
  refundUnchecked(original: JournalEntry, amountMinor: bigint): Promise<PanelResult>;
}

export interface MerchantPanelProps {
  readonly station: PanelStation;
  readonly otherStation: () => PanelStation;
  /** undefined while the journal is still being read. */
  readonly transactions: readonly JournalSummary[] | undefined;
  readonly refreshList: () => Promise<void>;
  readonly currency: string;
  readonly onClockMoved: () => Promise<void>;
}

type RefundMode = 'LINKED' | 'EXCESS' | 'UNLINKED';

export function MerchantPanelView(props: MerchantPanelProps) {
  const { station, otherStation, transactions, refreshList, currency } = props;
  const [selected, setSelected] = useState('');
  const [refundAmount, setRefundAmount] = useState('');
  const [message, setMessage] = useState<Display | undefined>();
  const [busy, setBusy] = useState(false);
  const purchases = (transactions ?? []).filter((t) => t.kind === 'PURCHASE' && t.status === 'APPROVED');
  const rrn =
    selected !== '' && purchases.some((t) => t.rrn === selected) ? selected : (purchases[0]?.rrn ?? '');

  const act: Act = async (action) => {
    setBusy(true);
    setMessage(undefined);
    try {
      setMessage(await action());
    } catch (cause) {
      setMessage({
        headline: 'Failed',
        detail: 'Something went wrong. Try again.',
        code: String(cause),
        tone: 'bad',
      });
    } finally {
      setBusy(false);
    }
    await refreshList();
  };
  const refund = (mode: RefundMode) =>
    act(async () => {
      const original = await station.journal.get(rrn);
      if (original === undefined) return refusal('Choose a sale first');
      const amountMinor =
        refundAmount.trim() === '' ? original.amountMinor : parseMajor(refundAmount, currency);
      if (amountMinor === undefined) return refusal(`Refund amount is not an amount in ${currency}`);
      if (mode === 'LINKED')
        return panelResultDisplay('Refund', await station.panel.refund(rrn, amountMinor));
      if (mode === 'EXCESS')
        return panelResultDisplay(
          'Refund (any amount)',
          await station.refundUnchecked(original, amountMinor),
        );
      return panelResultDisplay(
        'Unlinked refund',
        await otherStation().refundUnchecked(original, amountMinor),
      );
    });
  const voidSale = () =>
    act(async () => panelResultDisplay('Void', await station.panel.voidTransaction(rrn)));

  return (
    <section className="card" aria-labelledby="panel-title">
      <h2 id="panel-title">Merchant panel</h2>
      <JournalTable transactions={transactions} />
      <RefundControls
        purchases={purchases}
        rrn={rrn}
        onSelect={setSelected}
        refundAmount={refundAmount}
        onRefundAmount={setRefundAmount}
        busy={busy}
        onVoid={() => void voidSale()}
        onRefund={(mode) => void refund(mode)}
      />
      <DayControls busy={busy} act={act} onClockMoved={props.onClockMoved} />
      {message !== undefined && <PanelMessage message={message} />}
    </section>
  );
}

const refusal = (detail: string): Display => ({ headline: 'Not sent', detail, tone: 'bad' });

function PanelMessage({ message }: { message: Display }) {
  return (
    <p role="status" aria-label="Panel result" className={`note ${message.tone}`}>
      <strong>{message.headline}</strong>: {message.detail}
      {message.code !== undefined && <small className="code">{message.code}</small>}
    </p>
  );
}

function RefundControls(props: {
  purchases: readonly JournalSummary[];
  rrn: string;
  onSelect: (rrn: string) => void;
  refundAmount: string;
  onRefundAmount: (text: string) => void;
  busy: boolean;
  onVoid: () => void;
  onRefund: (mode: RefundMode) => void;
}) {
  const { purchases, rrn, busy } = props;
  const none = busy || rrn === '';
  return (
    <fieldset className="stack">
      <legend>Void or refund a sale</legend>
      <label>
        Sale
        <select value={rrn} onChange={(e) => props.onSelect(e.target.value)}>
          {purchases.length === 0 && <option value="">No approved sale yet</option>}
          {purchases.map((t) => (
            <option key={t.rrn} value={t.rrn}>
              {t.rrn} · {formatMoney(t.amountMinor, currencyOfNumeric(t.currencyCode))}
            </option>
          ))}
        </select>
      </label>
      <label>
        Refund amount
        <input
          inputMode="decimal"
          placeholder="all"
          value={props.refundAmount}
          onChange={(e) => props.onRefundAmount(e.target.value)}
        />
      </label>
      <div className="row wrap">
        <button type="button" disabled={none} onClick={props.onVoid}>
          Void
        </button>
        <button type="button" disabled={none} onClick={() => props.onRefund('LINKED')}>
          Refund
        </button>
        <button type="button" className="secondary" disabled={none} onClick={() => props.onRefund('EXCESS')}>
          Refund more than paid
        </button>
        <button
          type="button"
          className="secondary"
          disabled={none}
          onClick={() => props.onRefund('UNLINKED')}
        >
          Unlinked refund
        </button>
      </div>
      <p className="hint">
        Void cancels the whole sale before the day is closed. Refund gives money back (empty amount: all of
        it). The last two send refunds a real terminal refuses, to show how the network answers them.
      </p>
    </fieldset>
  );
}
