import { type ActivationProgress, PAYMENT_STATUS, type PaymentStatus } from '@tapkit/sdk';
import { useCallback, useEffect, useState } from 'react';
import { currencyOfNumeric, formatMoney } from '../shared/money.ts';
import { errorWords, paymentReason, tapFailureWords, type Words } from '../shared/words.ts';
import type { CardEvent, CardHost } from './card-host.ts';
import { fetchPayments, type PaymentView, type Session } from './mpp-client.ts';

// The card's state for the NFC pages: which page (by the status the SDK reports, or the activation in
// progress), what the last tap came to, and the actions the pages offer. Every message is plain words
// with its code second; a message about an earlier state is cleared when the user acts again.

export type View =
  | { readonly kind: 'LOADING' }
  | { readonly kind: 'STATUS'; readonly status: PaymentStatus }
  | { readonly kind: 'ACTIVATING'; readonly progress: ActivationProgress; readonly startedAtMs: number };

export interface Note extends Words {
  readonly tone: 'ok' | 'bad' | 'wait';
}

/** Looking the payment up after a tap: the pay reaches the MPP within the network's 8 s wait. */
const paymentPollCountMax = 48;
const paymentPollIntervalMs = 250;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The page's status, loading it, and running an action with the busy flag and its error in words. */
export function useCardStatus(host: CardHost, session: Session) {
  const [view, setView] = useState<View>({ kind: 'LOADING' });
  const [error, setError] = useState<Words | undefined>();
  const [busy, setBusy] = useState(false);

  const load = useCallback(
    async (refresh: boolean) => {
      try {
        await host.connect(session);
      } catch (cause) {
        setError(errorWords(cause));
      }
      setView({ kind: 'STATUS', status: await host.status(refresh) });
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
        setError(errorWords(cause));
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

  return { view, setView, error, busy, load, run };
}

/** What the wallet says once the payment of a tap is found: paid, or declined with the reason. */
export function paymentNote(payment: PaymentView): Note {
  const amount = payment.paymentAmount;
  const money = amount === null ? '' : ` ${formatMoney(amount.value, amount.currency)}`;
  if (payment.status === 'SUCCESS') return { text: `Paid${money}`, tone: 'ok' };
  const reason = paymentReason(payment.status, payment.resultCode);
  return {
    text: `Not paid${money}: ${(reason?.text ?? 'declined').toLowerCase()}`,
    ...(reason?.code === undefined ? {} : { code: reason.code }),
    tone: 'bad',
  };
}

/** The card's events: tap progress, verification, the payment a tap made, automatic top-ups. */
export function useTapEvents(
  host: CardHost,
  session: Session,
  onChanged: () => Promise<void>,
  setView: (update: (current: View) => View) => void,
) {
  const [note, setNote] = useState<Note | undefined>();
  const [authAmount, setAuthAmount] = useState<string | undefined>();

  const afterTap = useCallback(
    async (customData: string) => {
      setNote({ text: 'Processing payment…', tone: 'wait' });
      for (let attempt = 0; attempt < paymentPollCountMax; attempt++) {
        const found = await fetchPayments(session, { customData, limit: 1 });
        const payment = found.ok ? found.value.payments[0] : undefined;
        if (payment !== undefined) {
          setNote(paymentNote(payment));
          await host.sdk.whenIdle();
          await onChanged();
          return;
        }
        await sleep(paymentPollIntervalMs);
      }
      setNote({ text: 'The shop’s reader did not finish this payment. Nothing was paid.', tone: 'bad' });
      await onChanged();
    },
    [session, host, onChanged],
  );

  useEffect(
    () =>
      host.subscribe((event: CardEvent) => {
        const next = noteOfEvent(event);
        if (next !== undefined) setNote(next);
        if (event.kind === 'AUTH_NEEDED')
          setAuthAmount(
            formatMoney(event.info.authorizedAmountMinor, currencyOfNumeric(event.info.currencyCode)),
          );
        if (event.kind === 'TAP_COMPLETED') {
          setAuthAmount(undefined);
          void afterTap(event.customData);
        }
        // The SDK says the card's status changed: show its page (not over a running activation).
        if (event.kind === 'STATUS_CHANGED')
          setView((current) =>
            current.kind === 'ACTIVATING' ? current : { kind: 'STATUS', status: event.status },
          );
        if (event.kind === 'REPLENISHED') void onChanged();
      }),
    [host, afterTap, onChanged, setView],
  );

  return { note, setNote, authAmount, setAuthAmount };
}

/** The note an event of the card shows at once, if any. */
function noteOfEvent(event: CardEvent): Note | undefined {
  switch (event.kind) {
    case 'TAP_STARTED':
      return { text: 'Reading… keep your phone near the reader.', tone: 'wait' };
    case 'AUTH_NEEDED':
      return { text: 'Verification needed: confirm it is you, then tap again.', tone: 'wait' };
    case 'TAP_FAILED':
      return event.failure.result === 'CDCVM_REQUIRED'
        ? undefined
        : { ...tapFailureWords(event.failure), tone: 'bad' };
    case 'REPLENISHED':
      return replenishNote(event.params);
    default:
      return undefined;
  }
}

/** The SDK's EVENT_REPLENISH (countCredential, trigger, result, received) in words. */
export function replenishNote(params: Readonly<Record<string, string | number | boolean>>): Note {
  const left = Number(params.countCredential ?? 0);
  const automatic = params.trigger !== 'MANUAL';
  if (params.result !== 'SUCCESS')
    return {
      text: `${automatic ? 'Topping up' : 'Getting'} payment keys failed; ${left} left. Try again later.`,
      ...(params.errorCode === undefined ? {} : { code: String(params.errorCode) }),
      tone: 'bad',
    };
  const received = Number(params.received ?? 0);
  const how = automatic ? 'Topped up automatically' : 'Topped up';
  return { text: `${how}: ${received} new payment keys, ${left} ready to pay.`, tone: 'ok' };
}

/** Status 1: the credentials ran out, so the app gets more on its own (docs/protocol/sdk.md#credentials), once per visit. */
export function useAutoReplenish(
  status: PaymentStatus | undefined,
  busy: boolean,
  failed: boolean,
  replenish: () => void,
) {
  useEffect(() => {
    if (status === PAYMENT_STATUS.NO_CREDENTIALS && !busy && !failed) replenish();
  }, [status, busy, failed, replenish]);
}
