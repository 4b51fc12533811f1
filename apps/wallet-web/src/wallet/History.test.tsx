// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { paymentView } from '../test-support/fixtures.ts';
import { History } from './History.tsx';

// The wallet's one history list: date and time, merchant, amount, status in words, the reason of a
// payment that did not go through with its code, refunds, and paging.

afterEach(cleanup);

describe('history', () => {
  it('shows date, time, merchant, amount, status and the reason of a decline', () => {
    const declined = paymentView({
      paymentRequestId: 'PR-2',
      status: 'FAILED',
      resultCode: 'USER_BALANCE_NOT_ENOUGH',
      paymentTime: null,
      createdAt: '2026-12-04T19:30:00+08:00',
      merchantName: 'Tapkit Outlet',
    });
    const refunded = paymentView({ refundedAmount: { currency: 'HKD', value: '1234' } });
    render(
      <History payments={[declined, refunded]} hasMore={false} loadingMore={false} onLoadMore={vi.fn()} />,
    );
    const rows = screen.getAllByTestId('history-row');
    expect(rows).toHaveLength(2);
    const first = within(rows[0] as HTMLElement);
    expect(first.getByText('Tapkit Outlet')).toBeTruthy();
    expect(first.getByText('HKD 12.34')).toBeTruthy();
    expect(first.getByText('Declined')).toBeTruthy();
    expect(first.getByText('Not enough money in your wallet')).toBeTruthy();
    expect(first.getByText('USER_BALANCE_NOT_ENOUGH')).toBeTruthy();
    const time = rows[0]?.querySelector('time');
    expect(time?.getAttribute('dateTime')).toBe('2026-12-04T19:30:00+08:00');
    expect(time?.textContent).toMatch(/2026/);
    const second = within(rows[1] as HTMLElement);
    expect(second.getByText('Paid, refunded')).toBeTruthy();
    expect(second.getByText('refunded HKD 12.34')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /older/ })).toBeNull();
  });

  it('says there is nothing yet, and pages back when there is more', () => {
    const onLoadMore = vi.fn();
    render(<History payments={[]} hasMore={true} loadingMore={false} onLoadMore={onLoadMore} />);
    expect(screen.getByText(/No payments yet/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Show older payments' }));
    expect(onLoadMore).toHaveBeenCalledTimes(1);
  });

  it('is the only list of payments, and links each row to its timeline', () => {
    render(<History payments={[paymentView()]} hasMore={false} loadingMore={false} onLoadMore={vi.fn()} />);
    expect(screen.getAllByRole('region')).toHaveLength(1);
    expect(screen.getByRole('link', { name: 'timeline' }).getAttribute('href')).toBe(
      './ops.html?paymentRequestId=PR-1',
    );
  });
});
