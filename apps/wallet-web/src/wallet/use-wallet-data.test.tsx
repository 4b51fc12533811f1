// @vitest-environment happy-dom
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { paymentView } from '../test-support/fixtures.ts';
import { useWalletData } from './use-wallet-data.ts';

// The wallet's data: the first history page and its cursor, older pages appended, a session the server
// no longer knows ends the polling, and an unreachable server is said as such. Polling is driven by hand
// here (a long interval the test never waits for): each refresh is one call.

const session = {
  token: 't',
  customerId: 'CUST-ALICE',
  username: 'alice',
  expiresAt: '2099-01-01T00:00:00Z',
};
const wallet = { customerId: 'CUST-ALICE', status: 'ACTIVE', balances: [] };
let routes: (url: URL) => Response;
const calls: string[] = [];

beforeEach(() => {
  calls.length = 0;
  vi.stubGlobal('fetch', async (input: string) => {
    const url = new URL(input, 'http://tapkit.test');
    calls.push(`${url.pathname}${url.search}`);
    if (url.pathname === '/system/v1/info') return new Response('{}');
    return routes(url);
  });
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status });
const neverMs = 3_600_000;

describe('wallet data', () => {
  it('reads the first page, then appends the older one by its cursor', async () => {
    routes = (url) => {
      if (url.pathname === '/mpp/app/v1/wallet') return json(wallet);
      if (url.searchParams.get('cursor') === 'C1')
        return json({ payments: [paymentView({ paymentRequestId: 'PR-OLD' })], next: null });
      return json({ payments: [paymentView({ paymentRequestId: 'PR-NEW' })], next: 'C1' });
    };
    const { result } = renderHook(() => useWalletData(session, () => undefined, neverMs));
    await waitFor(() => expect(result.current.payments.map((p) => p.paymentRequestId)).toEqual(['PR-NEW']));
    expect(result.current.hasMore).toBe(true);
    await act(() => result.current.loadMore());
    expect(result.current.payments.map((p) => p.paymentRequestId)).toEqual(['PR-NEW', 'PR-OLD']);
    expect(result.current.hasMore).toBe(false);
    expect(calls).toContain('/mpp/app/v1/payments?limit=10&cursor=C1');
  });

  it('ends the polling when the session has expired', async () => {
    routes = () => json({ error: { code: 'UNAUTHENTICATED', message: '' } }, 401);
    const onExpired = vi.fn();
    const { result } = renderHook(() => useWalletData(session, onExpired, neverMs));
    await waitFor(() => expect(onExpired).toHaveBeenCalledTimes(1));
    const before = calls.length;
    await act(() => result.current.refresh());
    expect(calls.length).toBe(before);
  });

  it('says when the wallet service cannot be reached, and clears it once it answers', async () => {
    let up = false;
    routes = (url) => {
      if (!up) return json({ error: { code: 'INTERNAL', message: '' } }, 503);
      return url.pathname === '/mpp/app/v1/wallet' ? json(wallet) : json({ payments: [], next: null });
    };
    const { result } = renderHook(() => useWalletData(session, () => undefined, neverMs));
    await waitFor(() => expect(result.current.unreachable).toBe(true));
    up = true;
    await act(() => result.current.refresh());
    expect(result.current.unreachable).toBe(false);
  });
});
