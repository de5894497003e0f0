/**
 * Login, or on a fresh box the first-run form: the setup code printed in the log of
 * `hearth start` (or `journalctl -u hearth`) trades for the first admin account.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, login, setup } from '../api.ts';
import { ErrorAlert } from '../components/errorAlert.tsx';

export function LoginPage({ onLoggedIn }: { onLoggedIn: () => void }) {
  const [firstRun, setFirstRun] = useState<boolean | null>(null);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api<{ required: boolean }>('/api/setup')
      .then((r) => setFirstRun(r.required))
      .catch(() => setFirstRun(false));
  }, []);

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    if (firstRun && password !== repeat) {
      setError('The two passwords differ; type the same password twice.');
      return;
    }
    setBusy(true);
    try {
      if (firstRun) await setup(code.trim(), username.trim(), password);
      else await login(username.trim(), password);
      onLoggedIn();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'Hearth did not answer; check that it is running.');
    } finally {
      setBusy(false);
    }
  };

  if (firstRun === null) return <div class="splash" aria-busy="true" />;
  return (
    <div class="login">
      <form class="card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">
          <img src="/icon.svg" alt="" width={28} height={28} /> {firstRun ? 'Set up Hearth' : 'Hearth'}
        </h1>
        {firstRun && (
          <>
            <p class="muted">
              Create the first admin account. The setup code is in Hearth's log (<code>journalctl -u hearth</code>, or the terminal running
              <code> hearth start</code>).
            </p>
            <label>
              Setup code
              <input name="code" autocomplete="one-time-code" value={code} onInput={(e) => setCode(e.currentTarget.value)} required />
            </label>
          </>
        )}
        <label>
          Username
          <input name="username" autocomplete="username" value={username} onInput={(e) => setUsername(e.currentTarget.value)} required autofocus />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autocomplete={firstRun ? 'new-password' : 'current-password'}
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            required
          />
        </label>
        {firstRun && (
          <label>
            Repeat password
            <input name="repeat" type="password" autocomplete="new-password" value={repeat} onInput={(e) => setRepeat(e.currentTarget.value)} required />
          </label>
        )}
        <ErrorAlert message={error} />
        <button type="submit" class="primary" disabled={busy}>
          {firstRun ? 'Create admin' : 'Log in'}
        </button>
      </form>
    </div>
  );
}
