import { formatMoney } from '../shared/money.ts';
import { whenOf } from '../shared/when.ts';
import { paymentReason, paymentStatusWords } from '../shared/words.ts';
import type { PaymentView } from './mpp-client.ts';

// The wallet's one list of payments: date and time, merchant, amount, status and, for a payment that did
// not go through, the reason in words with its code small. Newest first; "Show older" pages back.

export interface HistoryProps {
  readonly payments: readonly PaymentView[];
  readonly hasMore: boolean;
  readonly loadingMore: boolean;
  readonly onLoadMore: () => void;
}

export function History({ payments, hasMore, loadingMore, onLoadMore }: HistoryProps) {
  return (
    <section className="card" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      {payments.length === 0 ? (
        <p className="hint">No payments yet. Pay at the POS page and they appear here.</p>
      ) : (
        <ul className="rows history" aria-label="Payments">
          {payments.map((p) => (
            <HistoryRow key={p.paymentRequestId} payment={p} />
          ))}
        </ul>
      )}
      {hasMore && (
        <button type="button" className="secondary" disabled={loadingMore} onClick={onLoadMore}>
          {loadingMore ? 'Loading…' : 'Show older payments'}
        </button>
      )}
    </section>
  );
}

function HistoryRow({ payment: p }: { payment: PaymentView }) {
  const refunded = p.refundedAmount !== null && p.refundedAmount.value !== '0';
  const reason = paymentReason(p.status, p.resultCode);
  const when = whenOf(p.paymentTime ?? p.createdAt);
  return (
    <li data-testid="history-row">
      <div className="row-main">
        <span className="merchant">{p.merchantName ?? 'Payment'}</span>
        <span className="amount">
          {p.paymentAmount === null ? '' : formatMoney(p.paymentAmount.value, p.paymentAmount.currency)}
        </span>
      </div>
      <div className="row-sub">
        <time dateTime={p.paymentTime ?? p.createdAt}>{when}</time>
        <span className={`status ${p.status.toLowerCase()}`}>{paymentStatusWords(p.status, refunded)}</span>
        {refunded && p.refundedAmount !== null && (
          <span>refunded {formatMoney(p.refundedAmount.value, p.refundedAmount.currency)}</span>
        )}
        <a
          href={`./ops.html?paymentRequestId=${encodeURIComponent(p.paymentRequestId)}`}
          target="_blank"
          rel="noreferrer"
        >
          timeline
        </a>
      </div>
      {reason !== undefined && (
        <p className="reason">
          {reason.text}
          {reason.code !== undefined && <small className="code">{reason.code}</small>}
        </p>
      )}
    </li>
  );
}
