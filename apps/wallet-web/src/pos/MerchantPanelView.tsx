import type { JournalSummary, PanelResult } from '@tapkit/terminal';
import { useState } from 'react';
import { currencyOfNumeric, formatMoney, parseMajor } from '../shared/money.ts';
import { advanceClock, closeDay } from '../shared/system.ts';
import type { PosStation } from './station.ts';

// The merchant panel: the terminal's journal, void (a full reversal), refunds (within what was paid,
// more than paid, and from the other shop: unlinked), and the system's day close (clearing) and clock.

const dayMs = 24 * 60 * 60 * 1000;

interface Props {
  station: PosStation;
  otherStation: () => PosStation;
  transactions: readonly JournalSummary[];
  refreshList: () => Promise<void>;
  currency: string;
  onClockMoved: () => Promise<void>;
}

function describeResult(action: string, result: PanelResult): string {
  if (result.ok) return `${action}: ${result.value.status} (RRN ${result.value.rrn})`;
  const code = result.error.responseCode === undefined ? '' : ` DE39 ${result.error.responseCode}`;
  return `${action} failed: ${result.error.code}${code}`;
}

export function MerchantPanelView({
  station,
  otherStation,
  transactions,
  refreshList,
  currency,
  onClockMoved,
}: Props) {
  const [selected, setSelected] = useState('');
  const [refundAmount, setRefundAmount] = useState('');
  const [days, setDays] = useState('8');
  const [message, setMessage] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const purchases = transactions.filter((t) => t.kind === 'PURCHASE' && t.status === 'APPROVED');
  const rrn = selected !== '' ? selected : (purchases[0]?.rrn ?? '');

  const act = async (action: () => Promise<string>) => {
    setBusy(true);
    setMessage(undefined);
    try {
      setMessage(await action());
    } catch (cause) {
      setMessage(`Failed: ${String(cause)}`);
    } finally {
      setBusy(false);
    }
    await refreshList();
  };
  const amountOrAll = async (): Promise<bigint | undefined> => {
    if (refundAmount.trim() === '') return (await station.journal.get(rrn))?.amountMinor;
    return parseMajor(refundAmount, currency);
  };
  const refund = (mode: 'LINKED' | 'EXCESS' | 'UNLINKED') =>
    act(async () => {
      const original = await station.journal.get(rrn);
      const amountMinor = await amountOrAll();
      if (original === undefined) return 'Choose a transaction first';
      if (amountMinor === undefined) return `Refund amount is not an amount in ${currency}`;
      if (mode === 'LINKED') return describeResult('Refund', await station.panel.refund(rrn, amountMinor));
      if (mode === 'EXCESS')
        return describeResult('Refund (any amount)', await station.refundUnchecked(original, amountMinor));
      return describeResult('Unlinked refund', await otherStation().refundUnchecked(original, amountMinor));
    });

  return (
    <section className="card" aria-labelledby="panel-title">
      <h2 id="panel-title">Merchant panel</h2>
      <table aria-label="Transactions">
        <thead>
          <tr>
            <th>RRN</th>
            <th>Kind</th>
            <th>Amount</th>
            <th>Status</th>
            <th>Refunded</th>
          </tr>
        </thead>
        <tbody>
          {transactions.map((t) => (
            <tr key={t.rrn}>
              <td>{t.rrn}</td>
              <td>{t.kind}</td>
              <td>{formatMoney(t.amountMinor, currencyOfNumeric(t.currencyCode))}</td>
              <td>
                {t.status}
                {t.responseCode !== undefined && t.responseCode !== '00' ? ` (${t.responseCode})` : ''}
              </td>
              <td>{formatMoney(t.refundedMinor, currencyOfNumeric(t.currencyCode))}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="stack">
        <label>
          Transaction
          <select value={rrn} onChange={(e) => setSelected(e.target.value)}>
            {purchases.length === 0 && <option value="">No approved purchase</option>}
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
            value={refundAmount}
            onChange={(e) => setRefundAmount(e.target.value)}
          />
        </label>
        <div className="row wrap">
          <button
            type="button"
            disabled={busy || rrn === ''}
            onClick={() =>
              void act(async () => describeResult('Void', await station.panel.voidTransaction(rrn)))
            }
          >
            Void
          </button>
          <button type="button" disabled={busy || rrn === ''} onClick={() => void refund('LINKED')}>
            Refund
          </button>
          <button type="button" disabled={busy || rrn === ''} onClick={() => void refund('EXCESS')}>
            Refund more than paid
          </button>
          <button type="button" disabled={busy || rrn === ''} onClick={() => void refund('UNLINKED')}>
            Unlinked refund
          </button>
        </div>
        <div className="row wrap">
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              void act(async () => {
                const result = await closeDay();
                return result.ok
                  ? `Day closed: ${summarize(result.value)}`
                  : `Close day failed: ${result.error.message}`;
              })
            }
          >
            Close the day
          </button>
          <label>
            Days
            <input inputMode="numeric" value={days} onChange={(e) => setDays(e.target.value)} />
          </label>
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              void act(async () => {
                const count = Number(days);
                if (!Number.isInteger(count) || count < 1 || count > 60)
                  return 'Days: a whole number from 1 to 60';
                const result = await advanceClock(count * dayMs);
                await onClockMoved();
                return result.ok
                  ? `Clock advanced by ${count} days`
                  : `Advance failed: ${result.error.message}`;
              })
            }
          >
            Advance clock
          </button>
        </div>
      </div>
      {message !== undefined && (
        <p role="status" aria-label="Panel result" className="note">
          {message}
        </p>
      )}
    </section>
  );
}

/** The close-day answer in one line: the business day and what was presented or refused. */
function summarize(value: unknown): string {
  const result = (typeof value === 'object' && value !== null ? value : {}) as {
    businessDay?: unknown;
    presented?: unknown;
    refused?: unknown;
  };
  const count = (list: unknown) => (Array.isArray(list) ? list.length : 0);
  return `${String(result.businessDay ?? '')}, ${count(result.presented)} presented, ${count(result.refused)} refused`;
}
