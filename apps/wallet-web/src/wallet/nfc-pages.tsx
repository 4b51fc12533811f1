import { PAYMENT_STATUS, type PaymentStatus } from '@tapkit/sdk';
import { ActivationView } from './ActivationView.tsx';
import { Page } from './Page.tsx';
import type { View } from './use-card.ts';

// The Alipay+ NFC pages, one per token status (docs/protocol/sdk.md#token-status), plus the progress page while
// an activation runs. The page is chosen by the status the SDK reports, nothing else; each page only
// shows its state in words and offers its actions.

/** What the pages can do; each one runs through the section's busy flag and error handling. */
export interface CardActions {
  readonly busy: boolean;
  readonly reconnect: () => void;
  readonly retry: () => void;
  readonly apply: () => void;
  readonly prepare: () => void;
  readonly replenish: () => void;
  readonly lock: () => void;
  readonly unlock: () => void;
  readonly confirm: () => void;
  readonly authenticate: () => void;
}

export interface NfcPageProps {
  readonly view: View;
  readonly actions: CardActions;
  /** The credentials left, on the card page. */
  readonly credentials: number | undefined;
  /** The amount a tap waits to be verified for. */
  readonly authAmount: string | undefined;
}

export function NfcPage({ view, actions, credentials, authAmount }: NfcPageProps) {
  if (view.kind === 'LOADING') return <p className="hint">Loading your card…</p>;
  if (view.kind === 'ACTIVATING')
    return <ActivationView progress={view.progress} startedAtMs={view.startedAtMs} />;
  return (
    <StatusPage status={view.status} actions={actions} credentials={credentials} authAmount={authAmount} />
  );
}

function StatusPage(props: {
  status: PaymentStatus;
  actions: CardActions;
  credentials: number | undefined;
  authAmount: string | undefined;
}) {
  const { status, actions } = props;
  switch (status) {
    case PAYMENT_STATUS.STORAGE_BROKEN:
      return <BrokenPage />;
    case PAYMENT_STATUS.DISCONNECTED:
      return <ReconnectPage actions={actions} />;
    case PAYMENT_STATUS.QUERY_FAILED:
      return <RetryPage actions={actions} />;
    case PAYMENT_STATUS.NO_CARD:
      return <ApplyPage actions={actions} />;
    case PAYMENT_STATUS.NO_CREDENTIALS:
      return <PreparingPage actions={actions} />;
    case PAYMENT_STATUS.PAYMENT_ALLOWED:
      return (
        <CardPage actions={actions} credentials={props.credentials ?? 0} authAmount={props.authAmount} />
      );
    case PAYMENT_STATUS.LOCKED:
      return <LockedPage actions={actions} />;
    case PAYMENT_STATUS.ACTIVATION_PREPARED:
    case PAYMENT_STATUS.NEEDS_SECONDARY_CONFIRMATION:
      return <ConfirmPage actions={actions} />;
  }
}

function BrokenPage() {
  return (
    <Page testId="page-error" title="Something went wrong">
      <p>The protected storage of this device is damaged. Reinstall the app or contact support.</p>
    </Page>
  );
}

function ReconnectPage({ actions }: { actions: CardActions }) {
  return (
    <Page testId="page-reconnect" title="Not connected">
      <p>This phone lost its connection to the payment service.</p>
      <button type="button" disabled={actions.busy} onClick={actions.reconnect}>
        Reconnect
      </button>
    </Page>
  );
}

function RetryPage({ actions }: { actions: CardActions }) {
  return (
    <Page testId="page-retry" title="We could not check your card">
      <p>There was network trouble while checking your card. Nothing has changed on it.</p>
      <button type="button" disabled={actions.busy} onClick={actions.retry}>
        Retry
      </button>
    </Page>
  );
}

function ApplyPage({ actions }: { actions: CardActions }) {
  return (
    <Page testId="page-apply" title="Pay with your phone">
      <p>Add a Mastercard to this phone and pay at any contactless terminal.</p>
      <div className="row wrap">
        <button type="button" disabled={actions.busy} onClick={actions.apply}>
          Apply
        </button>
        <button type="button" className="secondary" disabled={actions.busy} onClick={actions.prepare}>
          Prepare in background
        </button>
      </div>
    </Page>
  );
}

function PreparingPage({ actions }: { actions: CardActions }) {
  return (
    <Page testId="page-preparing" title="Preparing your card">
      <p>Your card has no payment keys left. The app is getting new ones…</p>
      <button type="button" disabled={actions.busy} onClick={actions.replenish}>
        Get payment keys now
      </button>
    </Page>
  );
}

function CardPage(props: { actions: CardActions; credentials: number; authAmount: string | undefined }) {
  const { actions, credentials, authAmount } = props;
  return (
    <Page testId="page-card" title="Hold near reader">
      <div className="nfc-card" aria-hidden="true">
        Mastercard
      </div>
      <p>
        Payment keys ready: <output aria-label="Credentials left">{credentials}</output>
        <br />
        <small className="hint">
          Each payment uses one key; the app gets more by itself when few are left.
        </small>
      </p>
      {authAmount !== undefined && <p className="note wait">Verification needed to pay {authAmount}.</p>}
      <div className="row wrap">
        <button type="button" onClick={actions.authenticate}>
          Authenticate
        </button>
        <button type="button" className="secondary" disabled={actions.busy} onClick={actions.replenish}>
          Get more keys
        </button>
        <button type="button" className="secondary" disabled={actions.busy} onClick={actions.lock}>
          Lock card
        </button>
      </div>
    </Page>
  );
}

function LockedPage({ actions }: { actions: CardActions }) {
  return (
    <Page testId="page-locked" title="Card locked">
      <p>Your card is locked: shops cannot take payments from it until you unlock it.</p>
      <button type="button" disabled={actions.busy} onClick={actions.unlock}>
        Unlock card
      </button>
    </Page>
  );
}

function ConfirmPage({ actions }: { actions: CardActions }) {
  return (
    <Page testId="page-confirm" title="Confirm your card">
      <p>Your card is ready. Confirm to start paying with this phone.</p>
      <button type="button" disabled={actions.busy} onClick={actions.confirm}>
        Confirm
      </button>
    </Page>
  );
}
