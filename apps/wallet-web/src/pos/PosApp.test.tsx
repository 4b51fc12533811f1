// @vitest-environment happy-dom

import { InMemoryJournal } from '@tapkit/terminal';
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { journalEntry } from '../test-support/fixtures.ts';
import { IndexedDbJournal } from './idb-journal.ts';
import { PosApp } from './PosApp.tsx';
import type { JournalFor } from './use-pos.ts';

// The POS page: ready to take a sale, and its merchant panel shows the journal the terminal kept (a
// reload restores it from IndexedDB), or its empty state.

afterEach(cleanup);

describe('POS page', () => {
  it('starts ready, with an empty journal said in words', async () => {
    render(<PosApp journalFor={() => new InMemoryJournal()} />);
    expect(screen.getByTestId('pos-headline').textContent).toBe('READY');
    expect(screen.getByRole('button', { name: 'Tap' })).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId('journal-empty')).toBeTruthy());
  });

  it('restores the journal of the terminal after a reload', async () => {
    const factory = new IDBFactory();
    const journalFor: JournalFor = (merchant) =>
      new IndexedDbJournal(`tapkit-pos-${merchant.terminalId}`, 500, factory);
    await journalFor({ label: '', terminalId: 'TAPKIT01', merchantId: '', merchantNameLocation: '' }).save(
      journalEntry({ rrn: '433800000042' }),
    );
    render(<PosApp journalFor={journalFor} />);
    const table = await screen.findByRole('table', { name: 'Transactions' });
    expect(table.textContent).toContain('433800000042');
    expect(table.textContent).toContain('HKD 12.34');
    expect(screen.getByRole('option', { name: /433800000042/ })).toBeTruthy();
  });
});
