// @vitest-environment happy-dom

import { PAYMENT_STATUS, type PaymentStatus } from '@tapkit/sdk';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type CardActions, NfcPage } from './nfc-pages.tsx';

// The NFC pages by token status (docs/protocol/sdk.md#token-status): each status has its page, says its state
// in words, and its buttons run the matching action.

afterEach(cleanup);

function actions(busy = false): CardActions {
  return {
    busy,
    reconnect: vi.fn(),
    retry: vi.fn(),
    apply: vi.fn(),
    prepare: vi.fn(),
    replenish: vi.fn(),
    lock: vi.fn(),
    unlock: vi.fn(),
    confirm: vi.fn(),
    authenticate: vi.fn(),
  };
}

function show(
  status: PaymentStatus,
  a = actions(),
  extra: { credentials?: number; authAmount?: string } = {},
) {
  render(
    <NfcPage
      view={{ kind: 'STATUS', status }}
      actions={a}
      credentials={extra.credentials}
      authAmount={extra.authAmount}
    />,
  );
  return a;
}

const click = (name: string | RegExp) => fireEvent.click(screen.getByRole('button', { name }));

describe('NFC pages by token status', () => {
  const pages: [PaymentStatus, string, string, string | undefined, keyof CardActions | undefined][] = [
    [PAYMENT_STATUS.STORAGE_BROKEN, 'page-error', 'Something went wrong', undefined, undefined],
    [PAYMENT_STATUS.DISCONNECTED, 'page-reconnect', 'Not connected', 'Reconnect', 'reconnect'],
    [PAYMENT_STATUS.QUERY_FAILED, 'page-retry', 'We could not check your card', 'Retry', 'retry'],
    [PAYMENT_STATUS.NO_CARD, 'page-apply', 'Pay with your phone', 'Apply', 'apply'],
    [
      PAYMENT_STATUS.NO_CREDENTIALS,
      'page-preparing',
      'Preparing your card',
      'Get payment keys now',
      'replenish',
    ],
    [PAYMENT_STATUS.LOCKED, 'page-locked', 'Card locked', 'Unlock card', 'unlock'],
    [PAYMENT_STATUS.ACTIVATION_PREPARED, 'page-confirm', 'Confirm your card', 'Confirm', 'confirm'],
    [PAYMENT_STATUS.NEEDS_SECONDARY_CONFIRMATION, 'page-confirm', 'Confirm your card', 'Confirm', 'confirm'],
  ];

  it.each(pages)(
    'status %i shows %s titled "%s", its button runs its action',
    (status, testId, title, button, action) => {
      const a = show(status);
      expect(screen.getByTestId(testId)).toBeTruthy();
      expect(screen.getByRole('heading', { name: title })).toBeTruthy();
      if (button === undefined || action === undefined) {
        expect(screen.queryAllByRole('button')).toHaveLength(0);
        return;
      }
      click(button);
      expect(a[action]).toHaveBeenCalledTimes(1);
    },
  );

  it('the card page shows the payment keys left, manual replenish, lock and verification', () => {
    const a = show(PAYMENT_STATUS.PAYMENT_ALLOWED, actions(), { credentials: 7, authAmount: 'HKD 80.00' });
    expect(screen.getByTestId('page-card')).toBeTruthy();
    expect(screen.getByLabelText('Credentials left').textContent).toBe('7');
    expect(screen.getByText('Verification needed to pay HKD 80.00.')).toBeTruthy();
    click('Get more keys');
    click('Lock card');
    click('Authenticate');
    expect(a.replenish).toHaveBeenCalledTimes(1);
    expect(a.lock).toHaveBeenCalledTimes(1);
    expect(a.authenticate).toHaveBeenCalledTimes(1);
  });

  it('a busy page disables the actions that call the server', () => {
    show(PAYMENT_STATUS.LOCKED, actions(true));
    expect((screen.getByRole('button', { name: 'Unlock card' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('the apply page offers a background preparation too', () => {
    const a = show(PAYMENT_STATUS.NO_CARD);
    click('Prepare in background');
    expect(a.prepare).toHaveBeenCalledTimes(1);
  });

  it('shows a loading line before the status is known', () => {
    render(
      <NfcPage
        view={{ kind: 'LOADING' }}
        actions={actions()}
        credentials={undefined}
        authAmount={undefined}
      />,
    );
    expect(screen.getByText('Loading your card…')).toBeTruthy();
  });
});
