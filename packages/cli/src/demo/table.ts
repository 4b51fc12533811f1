import type { FlowResult } from './types.ts';

// The demo's final table: flow, expected, observed, ok, with long cells wrapped (on "; " first) so a
// terminal of about 160 columns shows every value in full.

const widths = { flow: 40, expected: 52, observed: 52, ok: 4 } as const;
/** Lines per cell; a longer value is cut with an ellipsis so one broken row cannot flood the screen. */
const cellLinesMax = 12;

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let rest = text;
  while (rest.length > 0 && lines.length < cellLinesMax) {
    if (rest.length <= width) {
      lines.push(rest);
      break;
    }
    const cut = rest.lastIndexOf('; ', width);
    const at = cut > width / 3 ? cut + 1 : width;
    lines.push(rest.slice(0, at).trimEnd());
    rest = rest.slice(at).trimStart();
  }
  if (rest.length > 0 && lines.length === cellLinesMax)
    lines[cellLinesMax - 1] = `${lines.at(-1)?.slice(0, width - 1)}…`;
  return lines.length === 0 ? [''] : lines;
}

export function formatResultTable(rows: readonly FlowResult[]): string {
  const rule = `+${Object.values(widths)
    .map((w) => '-'.repeat(w + 2))
    .join('+')}+`;
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(Object.values(widths)[i] ?? 0)).join(' | ')} |`;
  const out = [rule, line(['flow', 'expected', 'observed', 'ok']), rule];
  for (const row of rows) {
    const columns = [
      wrap(row.flow, widths.flow),
      wrap(row.expected, widths.expected),
      wrap(row.observed, widths.observed),
      [row.ok ? 'ok' : 'FAIL'],
    ];
    const height = Math.max(...columns.map((c) => c.length));
    for (let i = 0; i < height; i++) out.push(line(columns.map((c) => c[i] ?? '')));
    out.push(rule);
  }
  return out.join('\n');
}
