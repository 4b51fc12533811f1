import {
  type ActivationProgress,
  PAYMENT_STATUS,
  type PaymentStatus,
  type TransactionFailure,
} from '@tapkit/sdk';
import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { currencyOfNumeric, formatMoney } from '../shared/money.ts';
import type { CardEvent, CardHost } from './card-host.ts';
import { History } from './History.tsx';
import { fetchPayments, type PaymentView, type Session } from './mpp-client.ts';

// The Alipay+ NFC pages, one per token status (docs/protocol/sdk.md#token-status), plus the progress page while
// an activation runs. The page is chosen by the status the SDK reports, nothing else.

type View =
  | { kind: 'LOADING' }
  | { kind: 'STATUS'; status: PaymentStatus }
  | { kind: 'ACTIVATING'; progress: ActivationProgress };

/** Looking the payment up after a tap: the pay reaches the MPP within the network's 8 s wait. */
const paymentPollCountMax = 48;
const paymentPollIntervalMs = 250;
const recentCountMax = 5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What the page says about a failed tap: a numbered SDK result with its code and name, a decline by
 * its result (docs/protocol/sdk.md#what-the-listener-hears: the permit's DECLINE / APP_CUSTOM_DECLINE_n, the
 * network's, the terminal's).
 */
function failureNote(failure: TransactionFailure): string {
  if (failure.error !== undefined) return `Tap refused: ${failure.error.code} ${failure.error.resultName}`;
  if (failure.result === 'NETWORK_DECLINED')
    return `Payment declined${failure.declineReason === undefined ? '' : `: ${failure.declineReason}`}`;
  return `Tap declined: ${failure.result}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function NfcSection(props: {
  host: CardHost;
  session: Session;
  onPaymentsChanged: () => Promise<void>;
}) {
  const { host, session, onPaymentsChanged } = props;
  const [view, setView] = useState<View>({ kind: 'LOADING' });
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [tapNote, setTapNote] = useState<string | undefined>();
  const [authAmount, setAuthAmount] = useState<string | undefined>();
  const [recent, setRecent] = useState<readonly PaymentView[]>([]);

  const load = useCallback(
    async (refresh: boolean) => {
      try {
        await host.connect(session);
      } catch (cause) {
        setError(describe(cause));
      }
      const status = await host.status(refresh);
      setView({ kind: 'STATUS', status });
      const payments = await fetchPayments(session, { limit: 20 });
      if (payments.ok)
        setRecent(payments.value.filter((p) => p.customData !== null).slice(0, recentCountMax));
    },
    [host, session],
  );

  const run = useCallback(
    async (action: () => Promise<unknown>, refresh = false) => {
      setBusy(true);
      setError(undefined);
      try {
        await action();
      } catch (cause) {
        setError(describe(cause));
      } finally {
        setBusy(false);
      }
      await load(refresh);
    },
    [load],
  );

  useEffect(() => {
    void load(true);
  }, [load]);

  // Status 1: credentials run out, the app replenishes on its own (docs/protocol/sdk.md#credentials).
  const status = view.kind === 'STATUS' ? view.status : undefined;
  useEffect(() => {
    if (status === PAYMENT_STATUS.NO_CREDENTIALS && !busy && error === undefined)
      void run(() => host.sdk.replenish());
  }, [status, busy, error, run, host]);

  const afterTap = useCallback(
    async (customData: string) => {
      setTapNote('Processing payment…');
      for (let attempt = 0; attempt < paymentPollCountMax; attempt++) {
        const found = await fetchPayments(session, { customData, limit: 1 });
        const payment = found.ok ? found.value[0] : undefined;
        if (payment !== undefined) {
          const amount = payment.paymentAmount;
          const money = amount === null ? '' : ` ${formatMoney(amount.value, amount.currency)}`;
          setTapNote(payment.status === 'SUCCESS' ? `Paid${money}` : `Payment ${payment.status}${money}`);
          await host.sdk.whenIdle();
          await Promise.all([onPaymentsChanged(), load(false)]);
          return;
        }
        await sleep(paymentPollIntervalMs);
      }
      setTapNote('No payment was recorded for this tap.');
      await load(false);
    },
    [session, host, onPaymentsChanged, load],
  );

  useEffect(
    () =>
      host.subscribe((event: CardEvent) => {
        switch (event.kind) {
          case 'TAP_STARTED':
            setTapNote('Reading…');
            return;
          case 'AUTH_NEEDED':
            setAuthAmount(
              formatMoney(event.info.authorizedAmountMinor, currencyOfNumeric(event.info.currencyCode)),
            );
            setTapNote('Verify it is you, then tap again.');
            return;
          case 'TAP_FAILED':
            if (event.failure.result !== 'CDCVM_REQUIRED') setTapNote(failureNote(event.failure));
            return;
          case 'TAP_COMPLETED':
            setAuthAmount(undefined);
            void afterTap(event.customData);
            return;
          case 'STATUS_CHANGED':
            // The SDK says the card's status changed: show its page (not over a running activation).
            setView((current) =>
              current.kind === 'ACTIVATING' ? current : { kind: 'STATUS', status: event.status },
            );
            return;
          case 'REPLENISHED':
            void load(false);
            return;
        }
      }),
    [host, afterTap, load],
  );

  const authenticate = () => {
    host.sdk.notifyUserAuthenticated();
    setAuthAmount(undefined);
    setTapNote('Verified for 30 seconds: hold your phone near the reader again.');
  };

  return (
    <section className="card nfc" aria-labelledby="nfc-title" aria-busy={busy || view.kind === 'LOADING'}>
      <h2 id="nfc-title">Alipay+ NFC</h2>
      <NfcPage
        view={view}
        busy={busy}
        host={host}
        run={run}
        credentials={status === PAYMENT_STATUS.PAYMENT_ALLOWED ? host.sdk.credentialsRemaining() : undefined}
        onActivate={() =>
          run(async () => {
            setView({ kind: 'ACTIVATING', progress: { phase: 'REGISTER_DEVICE', percent: 0 } });
            await host.activate((progress) => setView({ kind: 'ACTIVATING', progress }));
          })
        }
        onAuthenticate={authenticate}
        authAmount={authAmount}
      />
      {tapNote !== undefined && (
        <p role="status" aria-label="Tap result" className="note">
          {tapNote}
        </p>
      )}
      {error !== undefined && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {status === PAYMENT_STATUS.PAYMENT_ALLOWED && <History payments={recent} title="Recent payments" />}
    </section>
  );
}

interface PageProps {
  view: View;
  busy: boolean;
  host: CardHost;
  run: (action: () => Promise<unknown>, refresh?: boolean) => Promise<void>;
  credentials: number | undefined;
  onActivate: () => void;
  onAuthenticate: () => void;
  authAmount: string | undefined;
}

function NfcPage({ view, busy, host, run, credentials, onActivate, onAuthenticate, authAmount }: PageProps) {
  if (view.kind === 'LOADING') return <p className="hint">Loading your card…</p>;
  if (view.kind === 'ACTIVATING') return <ProgressPage progress={view.progress} />;
  const sdk = host.sdk;
  switch (view.status) {
    case PAYMENT_STATUS.STORAGE_BROKEN:
      return (
        <Page testId="page-error" title="Something went wrong">
          <p>The protected storage of this device is damaged. Reinstall the app or contact support.</p>
        </Page>
      );
    case PAYMENT_STATUS.DISCONNECTED:
      return (
        <Page testId="page-reconnect" title="Not connected">
          <button type="button" disabled={busy} onClick={() => void run(() => host.reconnect(), true)}>
            Reconnect
          </button>
        </Page>
      );
    case PAYMENT_STATUS.QUERY_FAILED:
      return (
        <Page testId="page-retry" title="We could not check your card">
          <button type="button" disabled={busy} onClick={() => void run(async () => undefined, true)}>
            Retry
          </button>
        </Page>
      );
    case PAYMENT_STATUS.NO_CARD:
      return (
        <Page testId="page-apply" title="Pay with your phone">
          <p>Add a Mastercard to this phone and pay at any contactless terminal.</p>
          <div className="row wrap">
            <button type="button" disabled={busy} onClick={onActivate}>
              Apply
            </button>
            <button
              type="button"
              className="secondary"
              disabled={busy}
              onClick={() => void run(() => sdk.activatePayment({ silentActivate: true }))}
            >
              Prepare in background
            </button>
          </div>
        </Page>
      );
    case PAYMENT_STATUS.NO_CREDENTIALS:
      return (
        <Page testId="page-preparing" title="Preparing your card">
          <p>Getting payment credentials for your card…</p>
          <button type="button" disabled={busy} onClick={() => void run(() => sdk.replenish())}>
            Replenish
          </button>
        </Page>
      );
    case PAYMENT_STATUS.PAYMENT_ALLOWED:
      return (
        <Page testId="page-card" title="Hold near reader">
          <div className="nfc-card" aria-hidden="true">
            Mastercard
          </div>
          <p>
            Credentials left: <output aria-label="Credentials left">{credentials ?? 0}</output>
          </p>
          {authAmount !== undefined && <p className="note">Verification needed to pay {authAmount}.</p>}
          <div className="row">
            <button type="button" onClick={onAuthenticate}>
              Authenticate
            </button>
            <button
              type="button"
              className="secondary"
              disabled={busy}
              onClick={() => void run(() => sdk.lock())}
            >
              Lock card
            </button>
          </div>
        </Page>
      );
    case PAYMENT_STATUS.LOCKED:
      return (
        <Page testId="page-locked" title="Card locked">
          <p>Your card is locked: payments are refused until you unlock it.</p>
          <button type="button" disabled={busy} onClick={() => void run(() => sdk.unlock())}>
            Unlock card
          </button>
        </Page>
      );
    case PAYMENT_STATUS.ACTIVATION_PREPARED:
    case PAYMENT_STATUS.NEEDS_SECONDARY_CONFIRMATION:
      return (
        <Page testId="page-confirm" title="Confirm your card">
          <p>Your card is ready. Confirm to start paying with this phone.</p>
          <button
            type="button"
            disabled={busy}
            onClick={() => void run(() => sdk.activatePayment({ doConfirm: true }))}
          >
            Confirm
          </button>
        </Page>
      );
  }
}

function Page(props: { testId: string; title: string; children: ReactNode }) {
  return (
    <div data-testid={props.testId} className="stack">
      <h3>{props.title}</h3>
      {props.children}
    </div>
  );
}

function ProgressPage({ progress }: { progress: ActivationProgress }) {
  return (
    <Page testId="page-progress" title="Activating your card">
      <progress aria-label="Activation progress" max={100} value={progress.percent} />
      <p>
        {progress.phase.replaceAll('_', ' ').toLowerCase()} · {progress.percent}%
      </p>
    </Page>
  );
}
