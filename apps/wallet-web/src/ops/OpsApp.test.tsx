// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OpsApp } from './OpsApp.tsx';

// The operations view: the recent payments, a lookup by RRN from them, and a missing id said in words
// (never the raw NOT_FOUND body).

const recent = {
  payments: [
    {
      at: '2026-12-04T10:00:00.000Z',
      networkTraceId: 'T-1',
      rrn: '433800000001',
      mti: '0110',
      kind: 'PURCHASE',
      amountMinor: '000000001234',
      currencyNumeric: '344',
      responseCode: '00',
    },
  ],
};
const timeline = {
  networkTraceId: 'T-1',
  paymentRequestIds: ['PR-1'],
  entries: [{ atMs: 0, at: '2026-12-04T10:00:00.000Z', party: 'ACQUIRER', step: '0100 sent', detail: {} }],
  ledger: [],
};

beforeEach(() => {
  vi.stubGlobal('fetch', async (input: string) => {
    const url = new URL(input, 'http://tapkit.test');
    if (url.pathname === '/system/v1/payments/recent') return new Response(JSON.stringify(recent));
    if (url.searchParams.get('rrn') === '433800000001') return new Response(JSON.stringify(timeline));
    return new Response(JSON.stringify({ code: 'NOT_FOUND', message: 'no payment has this id' }), {
      status: 404,
    });
  });
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('operations view', () => {
  it('lists the recent payments and opens one by its RRN', async () => {
    render(<OpsApp />);
    const button = await screen.findByRole('button', { name: 'RRN 433800000001' });
    expect(screen.getByRole('list', { name: 'Recent payments' }).textContent).toContain('HKD 12.34');
    fireEvent.click(button);
    const table = await screen.findByRole('table', { name: 'Timeline' });
    expect(table.textContent).toContain('0100 sent');
    expect((screen.getByLabelText('Id', { exact: true }) as HTMLInputElement).value).toBe('433800000001');
  });

  it('says in words that no payment has the id', async () => {
    render(<OpsApp />);
    fireEvent.change(screen.getByLabelText('Id', { exact: true }), { target: { value: '999999999999' } });
    fireEvent.click(screen.getByRole('button', { name: 'Show timeline' }));
    await waitFor(() =>
      expect(screen.getByRole('alert').textContent).toBe('No payment found with RRN “999999999999”.'),
    );
    expect(screen.queryByText(/NOT_FOUND/)).toBeNull();
  });
});
