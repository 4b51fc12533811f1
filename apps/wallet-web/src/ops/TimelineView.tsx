// One payment's timeline across the parties and its ledger transfers, as GET /system/v1/timeline reports
// them. The page renders whatever rows come back, oldest first.

type Row = Readonly<Record<string, unknown>>;

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

export function TimelineView({ result }: { result: unknown }) {
  return (
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
  );
}
