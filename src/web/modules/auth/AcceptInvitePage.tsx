import { Alert, Anchor, Button, Stack } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, call, fieldError, setCsrfToken } from '../../api';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useResetSession } from '../../session';
import { AuthLayout } from './AuthLayout';
import { MfaEnrolment } from './MfaEnrolment';
import { MIN_PASSWORD, NewPasswordFields } from './PasswordPages';

/** The invitation link: choose a password, set up two-step verification if the role needs it, go in. */
export function AcceptInvitePage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const navigate = useNavigate();
  const reset = useResetSession();
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [checked, setChecked] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [enrol, setEnrol] = useState(false);

  const finish = async () => {
    await reset();
    void navigate('/', { replace: true });
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setChecked(true);
    if (password.length < MIN_PASSWORD || password !== confirm) return;
    setBusy(true);
    setError(null);
    try {
      const r = await call(api.POST('/api/auth/accept-invite', { body: { token, password } }));
      setCsrfToken(r.csrfToken);
      if (r.state === 'signed_in') await finish();
      else setEnrol(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  if (!token)
    return (
      <AuthLayout title="Accept your invitation">
        <Alert color="red" variant="light" title="This link is incomplete">
          Open the link from your invitation email again. If it has expired, ask the person who invited you to send a new one.
        </Alert>
      </AuthLayout>
    );
  if (enrol)
    return (
      <AuthLayout title="Set up two-step verification" lead="Your role needs a second step at sign-in. This takes about a minute." width={480}>
        <MfaEnrolment onDone={() => void finish()} doneLabel="Continue to Rampart" />
      </AuthLayout>
    );
  return (
    <AuthLayout title="Welcome to Rampart" lead="You have been invited. Choose a password to finish setting up your account.">
      <form onSubmit={(e) => void submit(e)} noValidate>
        <Stack gap="md">
          {error && !fieldError(error, 'body.password') ? <ErrorAlert error={error} title="Could not accept the invitation" /> : null}
          <NewPasswordFields password={password} confirm={confirm} setPassword={setPassword} setConfirm={setConfirm} serverError={error} mismatch={checked} />
          <Button type="submit" loading={busy} fullWidth>
            Set password and sign in
          </Button>
          <Anchor component={Link} to="/sign-in" fz="sm" ta="center">
            I already have an account
          </Anchor>
        </Stack>
      </form>
    </AuthLayout>
  );
}
