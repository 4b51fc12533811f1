import type { JournalSummary } from '@tapkit/terminal';
import { currencyOfNumeric, formatMoney } from '../shared/money.ts';
import { shortWhenOf, whenOf } from '../shared/when.ts';
import { responseCodeText } from '../shared/words.ts';
import { journalStatusWords } from './display.ts';

// The terminal's journal, newest first, kept in IndexedDB across reloads; an empty journal says so.

export function JournalTable({ transactions }: { transactions: readonly JournalSummary[] | undefined }) {
  if (transactions === undefined) return <p className="hint">Reading the journal…</p>;
  if (transactions.length === 0)
    return (
      <p className="hint" data-testid="journal-empty">
        No sales yet on this terminal. Enter an amount and press Tap; every sale and refund is listed here and
        kept when the page reloads.
      </p>
    );
  return (
    <div className="scroll">
      <table aria-label="Transactions">
        <thead>
          <tr>
            <th>Time</th>
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
              <td title={whenOf(new Date(t.atMs).toISOString())}>{shortWhenOf(t.atMs)}</td>
              <td>{t.rrn}</td>
              <td>{t.kind === 'PURCHASE' ? 'Sale' : 'Refund'}</td>
              <td>{formatMoney(t.amountMinor, currencyOfNumeric(t.currencyCode))}</td>
              <td>
                {journalStatusWords(t.status)}
                {t.responseCode !== undefined && t.responseCode !== '00' && (
                  <small className="code" title={responseCodeText(t.responseCode)}>
                    DE39 {t.responseCode}
                  </small>
                )}
              </td>
              <td>{formatMoney(t.refundedMinor, currencyOfNumeric(t.currencyCode))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
