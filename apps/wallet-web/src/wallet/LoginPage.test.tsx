// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LoginPage } from './WalletApp.tsx';

// The login page: a wrong password says so in words and keeps the username, so only the password is
// typed again.

let answer: { status: number; body: unknown };

beforeEach(() => {
  vi.stubGlobal('fetch', async (url: string) => {
    if (String(url).endsWith('/system/v1/info')) return new Response('{}', { status: 200 });
    return new Response(JSON.stringify(answer.body), { status: answer.status });
  });
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('login page', () => {
  it('keeps the username after a wrong password, and clears the password', async () => {
    answer = { status: 401, body: { error: { code: 'LOGIN_FAILED', message: 'wrong' } } };
    const onSignedIn = vi.fn();
    render(<LoginPage onSignedIn={onSignedIn} />);
    fireEvent.change(screen.getByLabelText('Username'), { target: { value: 'alice' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'nope' } });
    fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/Wrong username or password/));
    expect((screen.getByLabelText('Username') as HTMLInputElement).value).toBe('alice');
    expect((screen.getByLabelText('Password') as HTMLInputElement).value).toBe('');
    expect(onSignedIn).not.toHaveBeenCalled();
  });

  it('signs in with the session the server gives', async () => {
    answer = {
      status: 200,
      body: { token: 't', customerId: 'CUST-ALICE', expiresAt: '2099-01-01T00:00:00Z' },
    };
    const onSignedIn = vi.fn();
    render(<LoginPage onSignedIn={onSignedIn} />);
    fireEvent.change(screen.getByLabelText('Username'), { target: { value: 'alice' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'alice-tapkit' } });
    fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
    await waitFor(() =>
      expect(onSignedIn).toHaveBeenCalledWith(expect.objectContaining({ username: 'alice' })),
    );
  });
});
