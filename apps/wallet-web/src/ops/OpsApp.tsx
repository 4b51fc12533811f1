import { useCallback, useEffect, useState } from 'react';
import { timeline } from '../shared/system.ts';

// The operations view: for one payment (by network trace id or payment request id) the timeline across
// the parties (tap → 0100 → pay → 0110 → notify → clearing or reversal → refund) and the ledger entries,
// as GET /system/v1/timeline reports them. The page renders whatever rows come back, newest last.

type Row = Readonly<Record<string, unknown>>;
type Kind = 'networkTraceId' | 'paymentRequestId';

/** ops.html?paymentRequestId=… or ?networkTraceId=… (the wallet's history links here). */
function initialQuery(): { kind: Kind; id: string } {
  const params = new URLSearchParams(location.search);
  const trace = params.get('networkTraceId');
  if (trace !== null) return { kind: 'networkTraceId', id: trace };
  return { kind: 'paymentRequestId', id: params.get('paymentRequestId') ?? '' };
}

function rowsOf(value: unknown, key: string): readonly Row[] {
  if (typeof value !== 'object' || value === null) return [];
  const rows = (value as Record<string, unknown>)[key];
  return Array.isArray(rows) ? rows.filter((r): r is Row => typeof r === 'object' && r !== null) : [];
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function Table({
  label,
  rows,
  columns,
}: {
  label: string;
  rows: readonly Row[];
  columns: readonly string[];
}) {
  if (rows.length === 0) return <p className="hint">No {label.toLowerCase()}.</p>;
  return (
    <div className="scroll">
      <table aria-label={label}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, index) => (
            // Rows have no id of their own; their order is the timeline's.
            // biome-ignore lint/suspicious/noArrayIndexKey: positional rows
            <tr key={index}>
              {columns.map((c) => (
                <td key={c}>{c === 'postings' ? postingsText(r[c]) : cell(r[c])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Ledger postings as "account amount" pairs, one transfer per row. */
function postingsText(value: unknown): string {
  if (!Array.isArray(value)) return cell(value);
  return value
    .map((p: unknown) => {
      const posting = (typeof p === 'object' && p !== null ? p : {}) as Record<string, unknown>;
      return `${cell(posting.accountId)} ${cell(posting.amountMinor)}`;
    })
    .join(' · ');
}

const timelineColumns = ['at', 'party', 'step', 'detail'] as const;
const ledgerColumns = ['id', 'kind', 'currency', 'amountMinor', 'postings'] as const;

export function OpsApp() {
  const [kind, setKind] = useState<Kind>(() => initialQuery().kind);
  const [id, setId] = useState(() => initialQuery().id);
  const [result, setResult] = useState<unknown>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const search = useCallback(async (by: Kind, value: string) => {
    setBusy(true);
    setError(undefined);
    const found = await timeline(value.trim() === '' ? {} : { [by]: value.trim() });
    setBusy(false);
    if (found.ok) setResult(found.value);
    else {
      setResult(undefined);
      setError(`${found.error.code}: ${found.error.message}`);
    }
  }, []);

  // Opened from a link: show that payment straight away.
  useEffect(() => {
    const query = initialQuery();
    if (query.id !== '') void search(query.kind, query.id);
  }, [search]);

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
              <option value="paymentRequestId">Payment request id</option>
              <option value="networkTraceId">Network trace id</option>
            </select>
          </label>
          <label>
            Id
            <input value={id} onChange={(e) => setId(e.target.value)} placeholder="empty: latest" />
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
      {result !== undefined && (
        <>
          <section className="card" aria-labelledby="timeline-title">
            <h2 id="timeline-title">Timeline</h2>
            <p className="hint">
              Network trace id {cell((result as Row).networkTraceId)} · payments{' '}
              {cell((result as Row).paymentRequestIds)}
            </p>
            <Table label="Timeline" rows={rowsOf(result, 'entries')} columns={timelineColumns} />
          </section>
          <section className="card" aria-labelledby="ledger-title">
            <h2 id="ledger-title">Ledger entries</h2>
            <Table label="Ledger entries" rows={rowsOf(result, 'ledger')} columns={ledgerColumns} />
          </section>
        </>
      )}
    </main>
  );
}
