import { useState } from 'react';
import { CURRENCIES, type CurrencyCode, isCurrencyCode } from '../shared/money.ts';
import type { Display } from './display.ts';
import { MerchantPanelView } from './MerchantPanelView.tsx';
import { syncClock } from './pos-clock.ts';
import { MERCHANTS } from './station.ts';
import { indexedDbJournalFor, type JournalFor, usePos } from './use-pos.ts';

// The POS terminal page: amount, currency and shop; "Tap" reads the wallet tab over the BroadcastChannel
// and authorizes over the acquirer gateway; the display says what happened in words, the code small.

export function PosApp({ journalFor = indexedDbJournalFor }: { journalFor?: JournalFor }) {
  const pos = usePos(journalFor);
  return (
    <main className="app pos">
      <header className="bar">
        <h1>Tapkit POS</h1>
        <a href="./" target="tapkit-wallet" className="hint">
          Open the wallet (the phone)
        </a>
      </header>
      <section className="card" aria-labelledby="sale-title">
        <h2 id="sale-title">Sale</h2>
        <SaleForm
          merchantId={pos.merchantId}
          onMerchant={pos.setMerchantId}
          currency={pos.currency}
          onCurrency={pos.setCurrency}
          busy={pos.busy}
          onTap={(amount) => void pos.tap(amount)}
        />
        <TerminalDisplay display={pos.display} />
      </section>
      <MerchantPanelView
        station={pos.station}
        otherStation={pos.otherStation}
        transactions={pos.transactions}
        refreshList={pos.refreshList}
        currency={pos.currency}
        onClockMoved={syncClock}
      />
    </main>
  );
}

function SaleForm(props: {
  merchantId: string;
  onMerchant: (id: string) => void;
  currency: CurrencyCode;
  onCurrency: (code: CurrencyCode) => void;
  busy: boolean;
  onTap: (amount: string) => void;
}) {
  const [amount, setAmount] = useState('12.34');
  return (
    <div className="stack">
      <label>
        Merchant
        <select value={props.merchantId} onChange={(e) => props.onMerchant(e.target.value)}>
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
            value={props.currency}
            onChange={(e) => isCurrencyCode(e.target.value) && props.onCurrency(e.target.value)}
          >
            {Object.keys(CURRENCIES).map((code) => (
              <option key={code}>{code}</option>
            ))}
          </select>
        </label>
      </div>
      <button type="button" className="tap" disabled={props.busy} onClick={() => props.onTap(amount)}>
        Tap
      </button>
    </div>
  );
}

export function TerminalDisplay({ display }: { display: Display }) {
  return (
    <output className={`display ${display.tone}`} aria-label="Terminal display" aria-live="polite">
      <strong data-testid="pos-headline">{display.headline}</strong>
      <span>{display.detail}</span>
      {display.code !== undefined && <small className="code">{display.code}</small>}
    </output>
  );
}
