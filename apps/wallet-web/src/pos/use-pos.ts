import type { JournalSummary, TransactionJournal } from '@tapkit/terminal';
import { useCallback, useEffect, useRef, useState } from 'react';
import { CURRENCIES, type CurrencyCode, formatMoney, parseMajor } from '../shared/money.ts';
import { type Display, displayOf } from './display.ts';
import { IndexedDbJournal } from './idb-journal.ts';
import { posClock, syncClock } from './pos-clock.ts';
import { MERCHANTS, type Merchant, PosStation } from './station.ts';

// The POS page's state: one terminal per demo shop (each with its journal in IndexedDB, so a reload keeps
// its sales), the sale being keyed, the display after a tap, and the journal shown by the merchant panel.

/** Journal rows the merchant panel shows. */
export const journalRowsShown = 50;

export type JournalFor = (merchant: Merchant) => TransactionJournal;

export const indexedDbJournalFor: JournalFor = (merchant) =>
  new IndexedDbJournal(`tapkit-pos-${merchant.terminalId}`);

const readyDisplay: Display = { headline: 'READY', detail: 'Enter an amount and press Tap', tone: 'wait' };

export function usePos(journalFor: JournalFor) {
  const stations = useRef(new Map<string, PosStation>());
  const [merchantId, setMerchantId] = useState(MERCHANTS[0]!.merchantId);
  const [currency, setCurrency] = useState<CurrencyCode>('HKD');
  const [display, setDisplay] = useState<Display>(readyDisplay);
  const [busy, setBusy] = useState(false);
  const [transactions, setTransactions] = useState<readonly JournalSummary[] | undefined>();

  const stationFor = useCallback(
    (id: string): PosStation => {
      const merchant = MERCHANTS.find((m) => m.merchantId === id) ?? MERCHANTS[0]!;
      let station = stations.current.get(merchant.merchantId);
      if (station === undefined) {
        station = new PosStation(merchant, CURRENCIES[currency].numeric, posClock, journalFor(merchant));
        stations.current.set(merchant.merchantId, station);
      }
      station.setCurrency(CURRENCIES[currency].numeric);
      return station;
    },
    [currency, journalFor],
  );
  const station = stationFor(merchantId);
  const otherStation = useCallback(
    () => stationFor(MERCHANTS.find((m) => m.merchantId !== merchantId)!.merchantId),
    [stationFor, merchantId],
  );
  const refreshList = useCallback(async () => {
    setTransactions(await stationFor(merchantId).panel.transactions(journalRowsShown));
  }, [stationFor, merchantId]);

  // The journal as the last visit left it (and on a change of shop, that shop's).
  useEffect(() => {
    void refreshList();
  }, [refreshList]);

  const tap = async (amount: string) => {
    const amountMinor = parseMajor(amount, currency);
    if (amountMinor === undefined) {
      setDisplay({ headline: 'AMOUNT?', detail: `Not an amount in ${currency}`, tone: 'bad' });
      return;
    }
    setBusy(true);
    setDisplay({
      headline: 'PRESENT CARD',
      detail: `${formatMoney(amountMinor, currency)}: hold the phone near the reader`,
      tone: 'wait',
    });
    await syncClock();
    setDisplay(displayOf(await station.tap(amountMinor)));
    setBusy(false);
    await refreshList();
  };

  return {
    merchantId,
    setMerchantId,
    currency,
    setCurrency,
    display,
    busy,
    transactions,
    station,
    otherStation,
    refreshList,
    tap,
  };
}
