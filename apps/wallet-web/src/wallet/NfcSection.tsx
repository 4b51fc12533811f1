import { PAYMENT_STATUS } from '@tapkit/sdk';
import { useCallback, useMemo } from 'react';
import type { Words } from '../shared/words.ts';
import type { CardHost } from './card-host.ts';
import type { Session } from './mpp-client.ts';
import { type CardActions, NfcPage } from './nfc-pages.tsx';
import { type Note, useAutoReplenish, useCardStatus, useTapEvents } from './use-card.ts';

// The Alipay+ NFC section of the wallet: the page for the card's status (nfc-pages.tsx), what the last
// tap or action came to, and the actions wired to the SDK through the card host.

export function NfcSection(props: {
  host: CardHost;
  session: Session;
  onPaymentsChanged: () => Promise<void>;
}) {
  const { host, session, onPaymentsChanged } = props;
  const { view, setView, error, busy, load, run } = useCardStatus(host, session);
  const onChanged = useCallback(async () => {
    await Promise.all([onPaymentsChanged(), load(false)]);
  }, [onPaymentsChanged, load]);
  const { note, setNote, authAmount, setAuthAmount } = useTapEvents(host, session, onChanged, setView);
  const status = view.kind === 'STATUS' ? view.status : undefined;

  // An action starts afresh: the note of an earlier tap or state does not stay over the new one.
  const act = useCallback(
    (action: () => Promise<unknown>, refresh = false) => {
      setNote(undefined);
      return run(action, refresh);
    },
    [run, setNote],
  );
  const replenish = useCallback(() => void act(() => host.sdk.replenish()), [act, host]);
  useAutoReplenish(status, busy, error !== undefined, replenish);
  const actions = useMemo<CardActions>(() => {
    const sdk = host.sdk;
    return {
      busy,
      reconnect: () => void act(() => host.reconnect(), true),
      retry: () => void act(async () => undefined, true),
      apply: () =>
        void act(async () => {
          const startedAtMs = Date.now();
          setView(() => ({
            kind: 'ACTIVATING',
            progress: { phase: 'REGISTER_DEVICE', percent: 0 },
            startedAtMs,
          }));
          await host.activate((progress) => setView(() => ({ kind: 'ACTIVATING', progress, startedAtMs })));
        }),
      prepare: () => void act(() => sdk.activatePayment({ silentActivate: true })),
      replenish,
      lock: () => void act(() => sdk.lock()),
      unlock: () => void act(() => sdk.unlock()),
      confirm: () => void act(() => sdk.activatePayment({ doConfirm: true })),
      authenticate: () => {
        sdk.notifyUserAuthenticated();
        setAuthAmount(undefined);
        setNote({ text: 'Verified for 30 seconds: hold your phone near the reader again.', tone: 'ok' });
      },
    };
  }, [host, busy, act, replenish, setView, setNote, setAuthAmount]);

  return (
    <section className="card nfc" aria-labelledby="nfc-title" aria-busy={busy || view.kind === 'LOADING'}>
      <h2 id="nfc-title">Alipay+ NFC</h2>
      <NfcPage
        view={view}
        actions={actions}
        credentials={status === PAYMENT_STATUS.PAYMENT_ALLOWED ? host.sdk.credentialsRemaining() : undefined}
        authAmount={authAmount}
      />
      {note !== undefined && <NoteLine note={note} />}
      {error !== undefined && <ErrorLine error={error} />}
    </section>
  );
}

function NoteLine({ note }: { note: Note }) {
  return (
    <p role="status" aria-label="Tap result" className={`note ${note.tone}`}>
      {note.text}
      {note.code !== undefined && <small className="code">{note.code}</small>}
    </p>
  );
}

function ErrorLine({ error }: { error: Words }) {
  return (
    <p role="alert" className="error">
      {error.text}
      {error.code !== undefined && <small className="code">{error.code}</small>}
    </p>
  );
}
