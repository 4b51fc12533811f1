// @vitest-environment happy-dom

import { type JournalEntry, type PanelResult, summaryOf } from '@tapkit/terminal';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { journalEntry } from '../test-support/fixtures.ts';
import { MerchantPanelView, type PanelStation } from './MerchantPanelView.tsx';

// The merchant panel: the journal (or its empty state), void and refunds against the chosen sale with
// their results in words, and the day and clock controls explained.

afterEach(cleanup);

function station(entries: readonly JournalEntry[], answer: PanelResult) {
  return {
    journal: { get: async (rrn: string) => entries.find((e) => e.rrn === rrn) },
    panel: { refund: vi.fn(async () => answer), voidTransaction: vi.fn(async () => answer) },
    refundUnchecked: vi.fn(async () => answer),
  } satisfies PanelStation;
}

function show(entries: readonly JournalEntry[] | undefined, answer?: PanelResult) {
  const list = entries ?? [];
  const s = station(list, answer ?? { ok: true, value: summaryOf(list[0] ?? journalEntry()) });
  const other = station(list, answer ?? { ok: true, value: summaryOf(journalEntry()) });
  const refreshList = vi.fn(async () => undefined);
  render(
    <MerchantPanelView
      station={s}
      otherStation={() => other}
      transactions={entries?.map(summaryOf)}
      refreshList={refreshList}
      currency="HKD"
      onClockMoved={async () => undefined}
    />,
  );
  return { s, other, refreshList };
}

describe('merchant panel', () => {
  it('says the journal is empty, and offers no sale to refund', () => {
    show([]);
    expect(screen.getByTestId('journal-empty').textContent).toMatch(/No sales yet/);
    expect((screen.getByRole('button', { name: 'Refund' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('says it is still reading the journal', () => {
    show(undefined);
    expect(screen.getByText('Reading the journal…')).toBeTruthy();
  });

  it('lists the journal with statuses in words', () => {
    show([
      journalEntry({ rrn: '000000000002', status: 'DECLINED', responseCode: '51', atMs: 2_000 }),
      journalEntry({ rrn: '000000000001', status: 'REVERSED', atMs: 1_000 }),
    ]);
    const table = screen.getByRole('table', { name: 'Transactions' });
    expect(table.textContent).toContain('Declined');
    expect(table.textContent).toContain('DE39 51');
    expect(table.textContent).toContain('Voided');
  });

  it('refunds the chosen sale in full when no amount is typed, and says so', async () => {
    const entry = journalEntry({ rrn: '000000000007' });
    const { s, refreshList } = show([entry]);
    fireEvent.click(screen.getByRole('button', { name: 'Refund' }));
    await waitFor(() =>
      expect(screen.getByLabelText('Panel result').textContent).toContain('Refund approved'),
    );
    expect(s.panel.refund).toHaveBeenCalledWith('000000000007', 1234n);
    expect(refreshList).toHaveBeenCalled();
  });

  it('refuses an amount that is not money, sending nothing', async () => {
    const { s } = show([journalEntry()]);
    fireEvent.change(screen.getByLabelText('Refund amount'), { target: { value: '1.234' } });
    fireEvent.click(screen.getByRole('button', { name: 'Refund' }));
    await waitFor(() =>
      expect(screen.getByLabelText('Panel result').textContent).toMatch(/not an amount in HKD/),
    );
    expect(s.panel.refund).not.toHaveBeenCalled();
  });

  it('sends an unlinked refund from the other shop, and shows a refusal with its reason', async () => {
    const { other } = show([journalEntry()], { ok: false, error: { code: 'DECLINED', responseCode: '12' } });
    fireEvent.change(screen.getByLabelText('Refund amount'), { target: { value: '5.00' } });
    fireEvent.click(screen.getByRole('button', { name: 'Unlinked refund' }));
    await waitFor(() =>
      expect(screen.getByLabelText('Panel result').textContent).toContain('Unlinked refund declined'),
    );
    expect(other.refundUnchecked).toHaveBeenCalledWith(
      expect.objectContaining({ rrn: '433800000001' }),
      500n,
    );
  });

  it('voids the chosen sale', async () => {
    const { s } = show([journalEntry()]);
    fireEvent.click(screen.getByRole('button', { name: 'Void' }));
    await waitFor(() => expect(screen.getByLabelText('Panel result').textContent).toContain('Void approved'));
    expect(s.panel.voidTransaction).toHaveBeenCalledWith('433800000001');
  });

  it('explains Close the day, Advance clock and Days', () => {
    show([]);
    const close = screen.getByRole('button', { name: 'Close the day' });
    expect(document.getElementById(close.getAttribute('aria-describedby') ?? '')?.textContent).toMatch(
      /Money moves .* only then/,
    );
    const days = screen.getByLabelText('Days');
    expect(document.getElementById(days.getAttribute('aria-describedby') ?? '')?.textContent).toMatch(
      /forward by that many days/,
    );
  });

  it('refuses a number of days out of range without moving the clock', async () => {
    show([]);
    fireEvent.change(screen.getByLabelText('Days'), { target: { value: '0' } });
    fireEvent.click(screen.getByRole('button', { name: 'Advance clock' }));
    await waitFor(() =>
      expect(screen.getByLabelText('Panel result').textContent).toMatch(/whole number from 1 to 60/),
    );
  });
});
