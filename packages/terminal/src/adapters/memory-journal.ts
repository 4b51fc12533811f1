import type { JournalEntry, TransactionJournal } from '../acquirer/journal.ts';

// The journal in memory: enough for the demo and tests. Oldest entries go first when it is full.

export class InMemoryJournal implements TransactionJournal {
  private readonly entries = new Map<string, JournalEntry>();

  constructor(private readonly entryCountMax = 10_000) {}

  async save(entry: JournalEntry): Promise<void> {
    // Re-inserting moves the entry to the end, so Map order stays "last written last".
    this.entries.delete(entry.rrn);
    this.entries.set(entry.rrn, entry);
    while (this.entries.size > this.entryCountMax) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  async get(rrn: string): Promise<JournalEntry | undefined> {
    return this.entries.get(rrn);
  }

  async list(limit: number): Promise<JournalEntry[]> {
    return [...this.entries.values()]
      .sort((a, b) => b.atMs - a.atMs || b.stan.localeCompare(a.stan))
      .slice(0, limit);
  }
}
