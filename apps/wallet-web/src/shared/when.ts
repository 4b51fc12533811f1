// Dates and times on screen: in the browser's own time zone and locale.

/** "4 Dec 2026, 18:30" in the browser's own time zone; the text as it came if it is not a date. */
export function whenOf(iso: string | null): string {
  if (iso === null) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return new Date(ms).toLocaleString(undefined, {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** "4 Dec, 18:30": a journal line's time, short enough for a table on a phone. */
export function shortWhenOf(atMs: number): string {
  return new Date(atMs).toLocaleString(undefined, {
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  });
}
