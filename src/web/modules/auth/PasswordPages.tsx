import { Alert, Anchor, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, call, fieldError } from '../../api';
import { ErrorAlert } from '../../components/ErrorAlert';
import { AuthLayout } from './AuthLayout';

export const MIN_PASSWORD = 12;

/** New password + confirmation, checked here before the server checks again. */
export function NewPasswordFields({ password, confirm, setPassword, setConfirm, serverError, mismatch }: { password: string; confirm: string; setPassword: (s: string) => void; setConfirm: (s: string) => void; serverError: unknown; mismatch: boolean }) {
  return (
    <>
      <PasswordInput
        label="New password"
        description={`At least ${MIN_PASSWORD} characters. A few unrelated words make a strong, memorable password.`}
        name="new-password"
        autoComplete="new-password"
        value={password}
        onChange={(e) => setPassword(e.currentTarget.value)}
        error={fieldError(serverError, 'body.password') ?? (mismatch && password.length > 0 && password.length < MIN_PASSWORD ? `Must be at least ${MIN_PASSWORD} characters` : undefined)}
        required
        autoFocus
      />
      <PasswordInput label="Repeat the new password" name="confirm-password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.currentTarget.value)} error={mismatch && confirm !== password ? 'The two passwords differ' : undefined} required />
    </>
  );
}

export function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await call(api.POST('/api/auth/password-reset', { body: { email: email.trim() } }));
      setSent(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <AuthLayout title="Reset your password" lead="We will email you a link to choose a new password. The link works for one hour.">
      {sent ? (
        <Alert color="green" variant="light" role="status" title="Check your email">
          If {email} has a Rampart account, a reset link is on its way.
        </Alert>
      ) : (
        <form onSubmit={(e) => void submit(e)} noValidate>
          <Stack gap="md">
            {error && !fieldError(error, 'body.email') ? <ErrorAlert error={error} /> : null}
            <TextInput label="Email" type="email" name="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={fieldError(error, 'body.email')} required autoFocus />
            <Button type="submit" loading={busy} fullWidth>
              Email me a reset link
            </Button>
          </Stack>
        </form>
      )}
      <Text fz="sm" ta="center">
        <Anchor component={Link} to="/sign-in">
          Back to sign in
        </Anchor>
      </Text>
    </AuthLayout>
  );
}

export function ResetPasswordPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [checked, setChecked] = useState(false);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setChecked(true);
    if (password.length < MIN_PASSWORD || password !== confirm) return;
    setBusy(true);
    setError(null);
    try {
      await call(api.POST('/api/auth/password-reset/confirm', { body: { token, password } }));
      setDone(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  if (!token)
    return (
      <AuthLayout title="Reset your password">
        <Alert color="red" variant="light" title="This link is incomplete">
          Open the link from your email again, or <Anchor component={Link} to="/forgot-password">ask for a new one</Anchor>.
        </Alert>
      </AuthLayout>
    );
  return (
    <AuthLayout title="Choose a new password">
      {done ? (
        <Stack>
          <Alert color="green" variant="light" role="status" title="Password changed">
            Your new password is set. Sign in with it now.
          </Alert>
          <Button component={Link} to="/sign-in">
            Sign in
          </Button>
        </Stack>
      ) : (
        <form onSubmit={(e) => void submit(e)} noValidate>
          <Stack gap="md">
            {error && !fieldError(error, 'body.password') ? <ErrorAlert error={error} title="Could not set the password" /> : null}
            <NewPasswordFields password={password} confirm={confirm} setPassword={setPassword} setConfirm={setConfirm} serverError={error} mismatch={checked} />
            <Button type="submit" loading={busy} fullWidth>
              Set new password
            </Button>
          </Stack>
        </form>
      )}
    </AuthLayout>
  );
}
