import { useCallback, useEffect, useRef, useState } from 'react';
import { fetchPayments, fetchWallet, type PaymentView, type Session, type WalletView } from './mpp-client.ts';

// The wallet page's data: the balance and the one history list, kept live by polling while the page is
// visible (a void or a refund at the POS shows within one interval, with no Refresh), paged with the
// server's cursor. Bounded: one wallet and one history request per interval, and at most
// `historyRowsLiveMax` rows re-read per poll (older pages stay as they were loaded).

/** (tapkit) How often the page re-reads the balance and the newest payments while it is visible. */
export const livePollIntervalMs = 2_000;
/** Rows per history page. */
export const historyPageSize = 10;
/** The server's page limit: rows re-read by one poll at most. */
const historyRowsLiveMax = 100;

export interface WalletData {
  readonly wallet: WalletView | undefined;
  readonly payments: readonly PaymentView[];
  readonly hasMore: boolean;
  readonly loadingMore: boolean;
  /** The last poll could not reach the wallet service: what is shown may be out of date. */
  readonly unreachable: boolean;
  readonly refresh: () => Promise<void>;
  readonly loadMore: () => Promise<void>;
}

export function useWalletData(
  session: Session,
  onExpired: () => void,
  pollMs = livePollIntervalMs,
): WalletData {
  const [wallet, setWallet] = useState<WalletView | undefined>();
  const [payments, setPayments] = useState<readonly PaymentView[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [unreachable, setUnreachable] = useState(false);
  // Refs, so that a new callback from the parent or a longer list does not restart the polling.
  const expired = useRef(onExpired);
  expired.current = onExpired;
  const shown = useRef(historyPageSize);
  const stopped = useRef(false);

  const refresh = useCallback(async () => {
    if (stopped.current) return;
    const limit = Math.min(historyRowsLiveMax, Math.max(historyPageSize, shown.current));
    const [w, p] = await Promise.all([fetchWallet(session), fetchPayments(session, { limit })]);
    if (!w.ok && w.error.status === 401) {
      stopped.current = true;
      expired.current();
      return;
    }
    setUnreachable(!w.ok && (w.error.code === 'NETWORK' || w.error.status >= 500));
    if (w.ok) setWallet(w.value);
    if (!p.ok) return;
    const fresh = p.value.payments;
    if (shown.current <= historyRowsLiveMax) {
      setPayments(fresh);
      setNext(p.value.next);
      return;
    }
    // More rows are shown than one poll reads: the newest are replaced, the older ones kept as loaded.
    const freshIds = new Set(fresh.map((row) => row.paymentRequestId));
    setPayments((current) => [...fresh, ...current.filter((row) => !freshIds.has(row.paymentRequestId))]);
  }, [session]);

  const loadMore = useCallback(async () => {
    if (next === null) return;
    setLoadingMore(true);
    const page = await fetchPayments(session, { limit: historyPageSize, cursor: next });
    setLoadingMore(false);
    if (!page.ok) return;
    setPayments((current) => {
      const known = new Set(current.map((p) => p.paymentRequestId));
      const merged = [...current, ...page.value.payments.filter((p) => !known.has(p.paymentRequestId))];
      shown.current = merged.length;
      return merged;
    });
    setNext(page.value.next);
  }, [session, next]);

  useEffect(() => {
    stopped.current = false;
    void refresh();
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void refresh();
    }, pollMs);
    return () => clearInterval(timer);
  }, [refresh, pollMs]);

  return { wallet, payments, hasMore: next !== null, loadingMore, unreachable, refresh, loadMore };
}
