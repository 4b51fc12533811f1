import { useRef, useState } from 'react';
import { formatMoney } from '../shared/money.ts';
import { CardHost } from './card-host.ts';
import { FirstRunHint } from './FirstRunHint.tsx';
import { History } from './History.tsx';
import { login, logout, type Session } from './mpp-client.ts';
import { NfcSection } from './NfcSection.tsx';
import { useWalletData } from './use-wallet-data.ts';

// The wallet app: log in, balance, history, and the Alipay+ NFC pages (NfcSection).

const sessionKey = 'tapkit.session';

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

export function LoginPage({
  onSignedIn,
  notice,
}: {
  onSignedIn: (session: Session) => void;
  notice?: string;
}) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    const result = await login(username, password);
    setBusy(false);
    if (result.ok) return onSignedIn(result.value);
    // The username stays: only the password is typed again.
    setPassword('');
    setError(loginErrorText(result.error.code, result.error.message));
  };
  return (
    <section className="card" aria-labelledby="login-title">
      <h2 id="login-title">Log in</h2>
      {notice !== undefined && (
        <p role="status" className="note">
          {notice}
        </p>
      )}
      <form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <Field
          label="Username"
          name="username"
          autoComplete="username"
          value={username}
          onChange={setUsername}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={setPassword}
        />
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

function Field(props: {
  label: string;
  name: string;
  type?: string;
  autoComplete: string;
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <label>
      {props.label}
      <input
        name={props.name}
        type={props.type ?? 'text'}
        autoComplete={props.autoComplete}
        required
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </label>
  );
}

function loginErrorText(code: string, message: string): string {
  if (code === 'LOGIN_FAILED') return 'Wrong username or password. Check the password and try again.';
  if (code === 'LOGIN_THROTTLED') return 'Too many attempts. Wait a minute, then try again.';
  if (code === 'NETWORK')
    return 'We could not reach the wallet service. Check your connection and try again.';
  return message.length > 0 ? message : `Login failed (${code})`;
}

function Home({ host, session, onExpired }: { host: CardHost; session: Session; onExpired: () => void }) {
  const data = useWalletData(session, onExpired);
  return (
    <>
      <section className="card" aria-labelledby="balance-title">
        <div className="bar">
          <h2 id="balance-title">Balance</h2>
          <button type="button" className="link" onClick={() => void data.refresh()}>
            Refresh
          </button>
        </div>
        {data.unreachable && (
          <p role="alert" className="note bad">
            Network trouble: we cannot reach the wallet service, so this may be out of date. Retrying…
          </p>
        )}
        <ul className="balances" aria-label="Balances">
          {(data.wallet?.balances ?? []).map((b) => (
            <li key={b.currency} data-testid={`balance-${b.currency}`}>
              {formatMoney(b.value, b.currency)}
            </li>
          ))}
        </ul>
      </section>
      <FirstRunHint paymentsCount={data.payments.length} />
      <NfcSection host={host} session={session} onPaymentsChanged={data.refresh} />
      <History
        payments={data.payments}
        hasMore={data.hasMore}
        loadingMore={data.loadingMore}
        onLoadMore={() => void data.loadMore()}
      />
    </>
  );
}
