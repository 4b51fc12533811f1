import type { JournalEntry, TransactionJournal } from '@tapkit/terminal';

// The POS page's transaction journal in IndexedDB, one database per terminal id: a reload keeps every
// sale, so the merchant panel can still void or refund it. Entries are stored as they are (IndexedDB's
// structured clone keeps the bigint amounts and the ISO 8583 field map), keyed by RRN, with an index on
// the time for "newest first". Bounded: beyond `entryCountMax` the oldest entries are dropped.

const storeName = 'entries';
const byTime = 'atMs';
const databaseVersion = 1;

export class IndexedDbJournal implements TransactionJournal {
  private opening: Promise<IDBDatabase> | undefined;

  constructor(
    private readonly databaseName: string,
    private readonly entryCountMax = 500,
    private readonly factory: IDBFactory = indexedDB,
  ) {}

  async save(entry: JournalEntry): Promise<void> {
    const db = await this.db();
    const tx = db.transaction(storeName, 'readwrite');
    const store = tx.objectStore(storeName);
    store.put(entry);
    const count = await request(store.count());
    if (count > this.entryCountMax) await dropOldest(store, count - this.entryCountMax);
    await done(tx);
  }

  async get(rrn: string): Promise<JournalEntry | undefined> {
    const db = await this.db();
    const store = db.transaction(storeName, 'readonly').objectStore(storeName);
    return (await request(store.get(rrn))) as JournalEntry | undefined;
  }

  async list(limit: number): Promise<JournalEntry[]> {
    const db = await this.db();
    const index = db.transaction(storeName, 'readonly').objectStore(storeName).index(byTime);
    const out: JournalEntry[] = [];
    const cursors = index.openCursor(null, 'prev');
    await new Promise<void>((resolve, reject) => {
      cursors.onerror = () => reject(cursors.error);
      cursors.onsuccess = () => {
        const cursor = cursors.result;
        if (cursor === null || out.length >= limit) return resolve();
        out.push(cursor.value as JournalEntry);
        cursor.continue();
      };
    });
    // The same order as InMemoryJournal: newest first, the higher STAN first within one millisecond.
    return out.sort((a, b) => b.atMs - a.atMs || b.stan.localeCompare(a.stan));
  }

  close(): void {
    void this.opening?.then((db) => db.close());
    this.opening = undefined;
  }

  private db(): Promise<IDBDatabase> {
    this.opening ??= new Promise((resolve, reject) => {
      const open = this.factory.open(this.databaseName, databaseVersion);
      open.onupgradeneeded = () => {
        const store = open.result.createObjectStore(storeName, { keyPath: 'rrn' });
        store.createIndex(byTime, 'atMs');
      };
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    return this.opening;
  }
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

/** Deletes the `count` oldest entries (by time) inside the caller's transaction. */
function dropOldest(store: IDBObjectStore, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let left = count;
    const cursors = store.index(byTime).openCursor(null, 'next');
    cursors.onerror = () => reject(cursors.error);
    cursors.onsuccess = () => {
      const cursor = cursors.result;
      if (cursor === null || left <= 0) return resolve();
      cursor.delete();
      left--;
      cursor.continue();
    };
  });
}
