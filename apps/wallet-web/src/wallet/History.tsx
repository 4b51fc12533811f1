import { formatMoney } from '../shared/money.ts';
import type { PaymentView } from './mpp-client.ts';

// The list of payments, shown by the wallet page and by the card page (its recent payments).

export function History({
  payments,
  title = 'History',
}: {
  payments: readonly PaymentView[];
  title?: string;
}) {
  return (
    <section className="card" aria-label={title}>
      <h2>{title}</h2>
      {payments.length === 0 ? (
        <p className="hint">No payments yet.</p>
      ) : (
        <ul className="rows">
          {payments.map((p) => (
            <li key={p.paymentRequestId}>
              <span>{p.merchantName ?? 'Payment'}</span>
              <span>
                {p.paymentAmount === null ? '' : formatMoney(p.paymentAmount.value, p.paymentAmount.currency)}
              </span>
              <span className={`status ${p.status.toLowerCase()}`}>{p.status}</span>
              <a
                href={`./ops.html?paymentRequestId=${encodeURIComponent(p.paymentRequestId)}`}
                target="_blank"
                rel="noreferrer"
              >
                timeline
              </a>
              {p.refundedAmount !== null && p.refundedAmount.value !== '0' && (
                <span>refunded {formatMoney(p.refundedAmount.value, p.refundedAmount.currency)}</span>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
