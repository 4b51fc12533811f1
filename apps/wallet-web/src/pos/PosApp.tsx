import {
  describeOutcome,
  type JournalSummary,
  type TerminalOutcome,
  TRY_AGAIN_REASONS,
} from '@tapkit/terminal';
import { useRef, useState } from 'react';
import {
  CURRENCIES,
  type CurrencyCode,
  currencyOfNumeric,
  formatMoney,
  isCurrencyCode,
  parseMajor,
} from '../shared/money.ts';
import { systemInfo } from '../shared/system.ts';
import { MerchantPanelView } from './MerchantPanelView.tsx';
import { MERCHANTS, offsetClock, PosStation } from './station.ts';

// The POS terminal page: amount, currency and shop; "Tap" reads the wallet tab over the BroadcastChannel
// and authorizes over the acquirer gateway; the display shows the Kernel 2 message and why.

let clockOffsetMs = 0;
/** The system clock may have been advanced: the POS follows it, as a real terminal follows the network's time. */
export async function syncClock(): Promise<void> {
  const info = await systemInfo(true);
  const systemClock = info.ok ? (info.value.clock as { nowMs?: unknown } | undefined) : undefined;
  const nowMs = systemClock?.nowMs;
  if (typeof nowMs === 'number') clockOffsetMs = nowMs - Date.now();
}
const clock = offsetClock(() => clockOffsetMs);

export interface Display {
  readonly headline: string;
  readonly detail: string;
  readonly tone: 'ok' | 'bad' | 'wait';
}

export function displayOf(outcome: TerminalOutcome): Display {
  switch (outcome.kind) {
    case 'APPROVED':
      return {
        headline: 'APPROVED',
        detail: `${formatMoney(outcome.transaction.amountMinor, currencyOfNumeric(outcome.transaction.currencyCode))} · RRN ${outcome.transaction.rrn} · ${outcome.transaction.maskedPan}`,
        tone: 'ok',
      };
    case 'DECLINED':
      return { headline: 'DECLINED', detail: describeOutcome(outcome), tone: 'bad' };
    case 'SEE_PHONE':
      return { headline: 'SEE PHONE', detail: 'Verify on the phone, then tap again', tone: 'wait' };
    case 'TRY_AGAIN':
      return { headline: 'TRY AGAIN', detail: TRY_AGAIN_REASONS[outcome.reason], tone: 'wait' };
    case 'END_APPLICATION':
      return { headline: 'CARD ERROR', detail: describeOutcome(outcome), tone: 'bad' };
  }
}

export function PosApp() {
  const stations = useRef(new Map<string, PosStation>());
  const [merchantId, setMerchantId] = useState(MERCHANTS[0]!.merchantId);
  const [currency, setCurrency] = useState<CurrencyCode>('HKD');
  const [amount, setAmount] = useState('12.34');
  const [display, setDisplay] = useState<Display>({
    headline: 'READY',
    detail: 'Enter an amount and tap',
    tone: 'wait',
  });
  const [busy, setBusy] = useState(false);
  const [transactions, setTransactions] = useState<readonly JournalSummary[]>([]);

  const stationFor = (id: string): PosStation => {
    const merchant = MERCHANTS.find((m) => m.merchantId === id) ?? MERCHANTS[0]!;
    let station = stations.current.get(merchant.merchantId);
    if (station === undefined) {
      station = new PosStation(merchant, CURRENCIES[currency].numeric, clock);
      stations.current.set(merchant.merchantId, station);
    }
    station.setCurrency(CURRENCIES[currency].numeric);
    return station;
  };
  const station = stationFor(merchantId);
  const refreshList = async () => setTransactions(await stationFor(merchantId).panel.transactions(50));

  const tap = async () => {
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
    const outcome = await station.tap(amountMinor);
    setDisplay(displayOf(outcome));
    setBusy(false);
    await refreshList();
  };

  return (
    <main className="app pos">
      <header className="bar">
        <h1>Tapkit POS</h1>
      </header>
      <section className="card" aria-labelledby="sale-title">
        <h2 id="sale-title">Sale</h2>
        <div className="stack">
          <label>
            Merchant
            <select value={merchantId} onChange={(e) => setMerchantId(e.target.value)}>
              {MERCHANTS.map((m) => (
                <option key={m.merchantId} value={m.merchantId}>
                  {m.label} ({m.terminalId})
                </option>
              ))}
            </select>
          </label>
          <div className="row">
            <label>
              Amount
              <input inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} />
            </label>
            <label>
              Currency
              <select
                value={currency}
                onChange={(e) => isCurrencyCode(e.target.value) && setCurrency(e.target.value)}
              >
                {Object.keys(CURRENCIES).map((code) => (
                  <option key={code}>{code}</option>
                ))}
              </select>
            </label>
          </div>
          <button type="button" className="tap" disabled={busy} onClick={() => void tap()}>
            Tap
          </button>
        </div>
        <output className={`display ${display.tone}`} aria-label="Terminal display" aria-live="polite">
          <strong data-testid="pos-headline">{display.headline}</strong>
          <span>{display.detail}</span>
        </output>
      </section>
      <MerchantPanelView
        station={station}
        otherStation={() => stationFor(MERCHANTS.find((m) => m.merchantId !== merchantId)!.merchantId)}
        transactions={transactions}
        refreshList={refreshList}
        currency={currency}
        onClockMoved={syncClock}
      />
    </main>
  );
}
