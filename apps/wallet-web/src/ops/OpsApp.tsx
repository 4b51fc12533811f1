import { useCallback, useEffect, useState } from 'react';
import { currencyOfNumeric, formatMoney } from '../shared/money.ts';
import { type RecentPayment, recentPayments, timeline } from '../shared/system.ts';
import { whenOf } from '../shared/when.ts';
import { responseCodeText } from '../shared/words.ts';
import { TimelineView } from './TimelineView.tsx';

// The operations view: find one payment by the RRN the POS shows, its network trace id or its payment
// request id, or pick it from the recent ones; then its timeline across the parties (tap → 0100 → pay →
// 0110 → notify → clearing or reversal → refund) and its ledger entries (GET /system/v1/timeline).

export type Kind = 'rrn' | 'networkTraceId' | 'paymentRequestId';

const KIND_LABELS: Readonly<Record<Kind, string>> = {
  rrn: 'RRN (on the POS receipt)',
  networkTraceId: 'Network trace id',
  paymentRequestId: 'Payment request id',
};
const recentCount = 20;

/** ops.html?rrn=…, ?paymentRequestId=… or ?networkTraceId=… (the wallet's history links here). */
function initialQuery(): { kind: Kind; id: string } {
  const params = new URLSearchParams(location.search);
  for (const kind of ['rrn', 'networkTraceId', 'paymentRequestId'] as const) {
    const id = params.get(kind);
    if (id !== null) return { kind, id };
  }
  return { kind: 'rrn', id: '' };
}

function useTimeline() {
  const [result, setResult] = useState<unknown>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const search = useCallback(async (by: Kind, value: string) => {
    const id = value.trim();
    setError(undefined);
    if (id === '') {
      setResult(undefined);
      setError('Type an id, or pick a payment from the recent ones below.');
      return;
    }
    setBusy(true);
    const found = await timeline({ [by]: id });
    setBusy(false);
    setResult(found.ok ? found.value : undefined);
    if (found.ok) return;
    if (found.error.status === 404)
      setError(`No payment found with ${KIND_LABELS[by].replace(/ \(.*/, '')} “${id}”.`);
    else if (found.error.code === 'NETWORK')
      setError('The system cannot be reached. Is `tapkit up` running?');
    else setError(`The lookup failed: ${found.error.message || found.error.code}`);
  }, []);
  return { result, error, busy, search };
}

export function OpsApp() {
  const [kind, setKind] = useState<Kind>(() => initialQuery().kind);
  const [id, setId] = useState(() => initialQuery().id);
  const { result, error, busy, search } = useTimeline();
  const [recent, setRecent] = useState<readonly RecentPayment[] | undefined>();
  const loadRecent = useCallback(async () => {
    const list = await recentPayments(recentCount);
    setRecent(list.ok ? list.value : []);
  }, []);

  // Opened from a link: show that payment straight away.
  useEffect(() => {
    const query = initialQuery();
    if (query.id !== '') void search(query.kind, query.id);
    void loadRecent();
  }, [search, loadRecent]);

  const pick = (by: Kind, value: string) => {
    setKind(by);
    setId(value);
    void search(by, value);
  };
  return (
    <main className="app ops">
      <header className="bar">
        <h1>Tapkit operations</h1>
      </header>
      <section className="card" aria-labelledby="find-title">
        <h2 id="find-title">Find a payment</h2>
        <form
          className="row wrap"
          onSubmit={(e) => {
            e.preventDefault();
            void search(kind, id);
          }}
        >
          <label>
            Look up by
            <select value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
              {(Object.keys(KIND_LABELS) as Kind[]).map((k) => (
                <option key={k} value={k}>
                  {KIND_LABELS[k]}
                </option>
              ))}
            </select>
          </label>
          <label>
            Id
            <input value={id} onChange={(e) => setId(e.target.value)} placeholder="e.g. 433812000123" />
          </label>
          <button type="submit" disabled={busy}>
            Show timeline
          </button>
        </form>
        {error !== undefined && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
      </section>
      {result !== undefined && <TimelineView result={result} />}
      <RecentList recent={recent} onPick={pick} onRefresh={() => void loadRecent()} />
    </main>
  );
}

function RecentList(props: {
  recent: readonly RecentPayment[] | undefined;
  onPick: (kind: Kind, id: string) => void;
  onRefresh: () => void;
}) {
  const { recent } = props;
  return (
    <section className="card" aria-labelledby="recent-title">
      <div className="bar">
        <h2 id="recent-title">Recent payments</h2>
        <button type="button" className="link" onClick={props.onRefresh}>
          Refresh
        </button>
      </div>
      {recent === undefined && <p className="hint">Loading…</p>}
      {recent?.length === 0 && <p className="hint">No payments yet: tap at the POS page first.</p>}
      {recent !== undefined && recent.length > 0 && (
        <ul className="rows" aria-label="Recent payments">
          {recent.map((p, index) => (
            // Two answers can share an RRN (a purchase and its reversal): the position keeps keys unique.
            // biome-ignore lint/suspicious/noArrayIndexKey: positional rows
            <li key={index}>
              <span>{whenOf(p.at)}</span>
              <span>{p.kind === 'PURCHASE' ? 'Sale' : p.kind === 'REFUND' ? 'Refund' : 'Reversal'}</span>
              <span>
                {p.amountMinor === null
                  ? ''
                  : formatMoney(BigInt(p.amountMinor), currencyOfNumeric(p.currencyNumeric ?? ''))}
              </span>
              <span>{p.responseCode === '00' ? 'approved' : responseCodeText(p.responseCode ?? '')}</span>
              {p.rrn !== null && (
                <button type="button" className="link" onClick={() => props.onPick('rrn', p.rrn ?? '')}>
                  RRN {p.rrn}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
