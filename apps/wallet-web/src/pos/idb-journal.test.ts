import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { journalEntry } from '../test-support/fixtures.ts';
import { IndexedDbJournal } from './idb-journal.ts';

// The POS journal in IndexedDB (an in-memory IndexedDB here): entries survive a new journal on the same
// database, as they survive a page reload, with their bigint amounts and field map intact; newest first;
// bounded.

describe('IndexedDB journal', () => {
  it('keeps entries across instances, bigint amounts and ISO 8583 fields intact', async () => {
    const factory = new IDBFactory();
    const first = new IndexedDbJournal('pos-1', 500, factory);
    await first.save(journalEntry({ rrn: '000000000001', atMs: 1_000 }));
    await first.save(journalEntry({ rrn: '000000000002', atMs: 2_000, kind: 'REFUND', amountMinor: 500n }));
    first.close();
    const reloaded = new IndexedDbJournal('pos-1', 500, factory);
    const list = await reloaded.list(10);
    expect(list.map((e) => e.rrn)).toEqual(['000000000002', '000000000001']);
    expect(list[0]?.amountMinor).toBe(500n);
    const one = await reloaded.get('000000000001');
    expect(one?.request.fields.get(41)).toBe('TAPKIT01');
    expect(one?.refundedMinor).toBe(0n);
    expect(await reloaded.get('999999999999')).toBeUndefined();
  });

  it('replaces an entry saved again under its RRN', async () => {
    const journal = new IndexedDbJournal('pos-2', 500, new IDBFactory());
    await journal.save(journalEntry({ rrn: '000000000001' }));
    await journal.save(journalEntry({ rrn: '000000000001', refundedMinor: 1234n }));
    const list = await journal.list(10);
    expect(list).toHaveLength(1);
    expect(list[0]?.refundedMinor).toBe(1234n);
  });

  it('lists at most the limit, and drops the oldest beyond its bound', async () => {
    const journal = new IndexedDbJournal('pos-3', 3, new IDBFactory());
    for (let i = 1; i <= 5; i++)
      await journal.save(journalEntry({ rrn: `00000000000${i}`, atMs: i * 1_000 }));
    expect((await journal.list(2)).map((e) => e.rrn)).toEqual(['000000000005', '000000000004']);
    expect((await journal.list(10)).map((e) => e.rrn)).toEqual([
      '000000000005',
      '000000000004',
      '000000000003',
    ]);
  });

  it('keeps one database per terminal', async () => {
    const factory = new IDBFactory();
    await new IndexedDbJournal('tapkit-pos-A', 500, factory).save(journalEntry({ rrn: '000000000001' }));
    expect(await new IndexedDbJournal('tapkit-pos-B', 500, factory).list(10)).toEqual([]);
  });
});
