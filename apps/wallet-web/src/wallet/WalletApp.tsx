import { useCallback, useEffect, useRef, useState } from 'react';
import { formatMoney } from '../shared/money.ts';
import { CardHost } from './card-host.ts';
import { History } from './History.tsx';
import {
  fetchPayments,
  fetchWallet,
  login,
  logout,
  type PaymentView,
  type Session,
  type WalletView,
} from './mpp-client.ts';
import { NfcSection } from './NfcSection.tsx';

// The wallet app: log in, balance, history, and the Alipay+ NFC pages (NfcSection).

const sessionKey = 'tapkit.session';
const historyCountMax = 10;

function storedSession(): Session | undefined {
  try {
    const parsed = JSON.parse(localStorage.getItem(sessionKey) ?? 'null') as Session | null;
    if (parsed === null || typeof parsed.token !== 'string' || typeof parsed.customerId !== 'string') return;
    return Date.parse(parsed.expiresAt) > Date.now() ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export function WalletApp() {
  const hostRef = useRef<CardHost | undefined>(undefined);
  hostRef.current ??= new CardHost();
  const host = hostRef.current;
  const [session, setSession] = useState<Session | undefined>(storedSession);
  const [notice, setNotice] = useState<string | undefined>();

  const signIn = (next: Session) => {
    localStorage.setItem(sessionKey, JSON.stringify(next));
    setNotice(undefined);
    setSession(next);
  };
  /** `expired`: the server no longer knows the session, so there is nothing to log out of there. */
  const signOut = async (expired: boolean) => {
    if (session !== undefined && !expired) await logout(session);
    await host.disconnect();
    localStorage.removeItem(sessionKey);
    setNotice(expired ? 'Your session has ended: please log in again.' : undefined);
    setSession(undefined);
  };

  return (
    <main className="app wallet">
      <header className="bar">
        <h1>Tapkit Wallet</h1>
        {session !== undefined && (
          <button type="button" className="link" onClick={() => void signOut(false)}>
            Log out {session.username}
          </button>
        )}
      </header>
      {session === undefined ? (
        <LoginPage onSignedIn={signIn} notice={notice} />
      ) : (
        <Home host={host} session={session} onExpired={() => void signOut(true)} />
      )}
    </main>
  );
}

function LoginPage({ onSignedIn, notice }: { onSignedIn: (session: Session) => void; notice?: string }) {
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (form: FormData) => {
    setBusy(true);
    setError(undefined);
    const result = await login(String(form.get('username') ?? ''), String(form.get('password') ?? ''));
    setBusy(false);
    if (result.ok) onSignedIn(result.value);
    else setError(result.error.code === 'LOGIN_FAILED' ? 'Wrong username or password' : result.error.message);
  };
  return (
    <section className="card" aria-labelledby="login-title">
      <h2 id="login-title">Log in</h2>
      {notice !== undefined && (
        <p role="status" className="note">
          {notice}
        </p>
      )}
      <form action={(form) => void submit(form)} className="stack">
        <label>
          Username
          <input name="username" autoComplete="username" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <button type="submit" disabled={busy}>
          Log in
        </button>
        {error !== undefined && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
      </form>
      <p className="hint">Demo logins: alice / alice-tapkit, bob / bob-tapkit</p>
    </section>
  );
}

function Home({ host, session, onExpired }: { host: CardHost; session: Session; onExpired: () => void }) {
  const [wallet, setWallet] = useState<WalletView | undefined>();
  const [payments, setPayments] = useState<readonly PaymentView[]>([]);
  // A ref, so a new onExpired from the parent does not make a new refresh (and refetch) on every render.
  const expired = useRef(onExpired);
  expired.current = onExpired;
  const refresh = useCallback(async () => {
    const [w, p] = await Promise.all([
      fetchWallet(session),
      fetchPayments(session, { limit: historyCountMax }),
    ]);
    if (!w.ok && w.error.status === 401) return expired.current();
    if (w.ok) setWallet(w.value);
    if (p.ok) setPayments(p.value);
  }, [session]);
  useEffect(() => {
    void refresh();
  }, [refresh]);

  return (
    <>
      <section className="card" aria-labelledby="balance-title">
        <div className="bar">
          <h2 id="balance-title">Balance</h2>
          <button type="button" className="link" onClick={() => void refresh()}>
            Refresh
          </button>
        </div>
        <ul className="balances" aria-label="Balances">
          {(wallet?.balances ?? []).map((b) => (
            <li key={b.currency} data-testid={`balance-${b.currency}`}>
              {formatMoney(b.value, b.currency)}
            </li>
          ))}
        </ul>
      </section>
      <NfcSection host={host} session={session} onPaymentsChanged={refresh} />
      <History payments={payments} />
    </>
  );
}
