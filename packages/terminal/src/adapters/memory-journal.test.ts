import { describe, expect, it } from 'vitest';
import type { JournalEntry } from '../acquirer/journal.ts';
import { InMemoryJournal } from './memory-journal.ts';

const entry = (n: number, status: JournalEntry['status'] = 'APPROVED'): JournalEntry => ({
  rrn: `RRN${n}`,
  stan: String(n).padStart(6, '0'),
  kind: 'PURCHASE',
  amountMinor: BigInt(n),
  currencyCode: '124',
  card: { pan: '5413330000001234', expiryYymm: '2912', expiryYymmdd: '291231', psn: '00' },
  atMs: n * 1_000,
  request: { mti: '0100', fields: new Map() },
  status,
  responseCode: '00',
  approvalCode: undefined,
  refundedMinor: 0n,
  originalRrn: undefined,
});

describe('the in-memory journal', () => {
  it('lists newest first and updates in place', async () => {
    const journal = new InMemoryJournal();
    await journal.save(entry(1));
    await journal.save(entry(2));
    await journal.save(entry(1, 'REVERSED'));
    const listed = await journal.list(10);
    expect(listed.map((e) => [e.rrn, e.status])).toEqual([
      ['RRN2', 'APPROVED'],
      ['RRN1', 'REVERSED'],
    ]);
  });

  it('forgets the oldest entries beyond its bound', async () => {
    const journal = new InMemoryJournal(3);
    for (let n = 1; n <= 5; n++) await journal.save(entry(n));
    expect((await journal.list(10)).map((e) => e.rrn)).toEqual(['RRN5', 'RRN4', 'RRN3']);
    expect(await journal.get('RRN1')).toBeUndefined();
  });
});
