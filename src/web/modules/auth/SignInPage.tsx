import { Anchor, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, ApiError, call, fieldError, setCsrfToken } from '../../api';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useResetSession } from '../../session';
import { AuthLayout } from './AuthLayout';
import { MfaEnrolment } from './MfaEnrolment';

type Step = 'password' | 'mfa_required' | 'mfa_enrolment_required';

/** Only same-site paths: never send someone to another origin after signing in. */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function SignInPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const reset = useResetSession();
  const next = safeNext(params.get('next'));
  const [step, setStep] = useState<Step | null>(null);

  // Where a sign-in stands (a reload in the middle of the MFA step resumes there).
  const session = useQuery({ queryKey: ['auth-session'], queryFn: () => call(api.GET('/api/auth/session')), gcTime: 0, staleTime: 0 });
  const finish = async () => {
    await reset();
    void navigate(next, { replace: true });
  };
  useEffect(() => {
    if (!session.data || step) return;
    setCsrfToken(session.data.csrfToken);
    if (session.data.state === 'signed_in') void finish();
    else setStep(session.data.state === 'signed_out' ? 'password' : session.data.state);
  }, [session.data]);

  const onState = (state: 'signed_in' | 'mfa_required' | 'mfa_enrolment_required') => {
    if (state === 'signed_in') void finish();
    else setStep(state);
  };

  if (step === 'mfa_required') return <MfaStep onDone={() => void finish()} onRestart={() => setStep('password')} />;
  if (step === 'mfa_enrolment_required')
    return (
      <AuthLayout title="Set up two-step verification" lead="Your role needs a second step at sign-in. This takes about a minute." width={480}>
        <MfaEnrolment onDone={() => void finish()} doneLabel="Continue to Rampart" />
      </AuthLayout>
    );
  return <PasswordStep onState={onState} />;
}

function PasswordStep({ onState }: { onState: (s: 'signed_in' | 'mfa_required' | 'mfa_enrolment_required') => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const r = await call(api.POST('/api/auth/login', { body: { email: email.trim(), password } }));
      setCsrfToken(r.csrfToken);
      onState(r.state);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const generic = error instanceof ApiError && !error.problems.length;
  return (
    <AuthLayout title="Sign in to Rampart" lead="For election officials and their partners.">
      <form onSubmit={(e) => void submit(e)} noValidate aria-describedby={generic ? 'signin-error' : undefined}>
        <Stack gap="md">
          {generic ? (
            <div id="signin-error">
              <ErrorAlert error={error} title="Could not sign you in" />
            </div>
          ) : null}
          <TextInput label="Email" name="email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={fieldError(error, 'body.email')} required autoFocus />
          <PasswordInput label="Password" name="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.currentTarget.value)} error={fieldError(error, 'body.password')} required />
          <Button type="submit" loading={busy} fullWidth>
            Sign in
          </Button>
          <Text fz="sm" ta="center">
            <Anchor component={Link} to="/forgot-password">
              Forgot your password?
            </Anchor>
          </Text>
        </Stack>
      </form>
    </AuthLayout>
  );
}

function MfaStep({ onDone, onRestart }: { onDone: () => void; onRestart: () => void }) {
  const [useRecovery, setUseRecovery] = useState(false);
  const [value, setValue] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await call(api.POST('/api/auth/mfa/verify', { body: useRecovery ? { recoveryCode: value.trim() } : { code: value.replace(/\s/g, '') } }));
      onDone();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401 && err.message === 'Sign in first') onRestart();
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const inline = fieldError(error, useRecovery ? 'body.recoveryCode' : 'body.code');
  return (
    <AuthLayout title="Two-step verification" lead={useRecovery ? 'Enter one of the recovery codes you saved when you set up two-step verification. Each code works once.' : 'Enter the 6-digit code from your authenticator app.'}>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <Stack gap="md">
          {error && !inline ? <ErrorAlert error={error} title="Not verified" /> : null}
          {useRecovery ? (
            <TextInput key="recovery" label="Recovery code" name="recoveryCode" autoComplete="off" spellCheck={false} value={value} onChange={(e) => setValue(e.currentTarget.value)} error={inline} required autoFocus />
          ) : (
            <TextInput key="code" label="6-digit code" name="code" inputMode="numeric" autoComplete="one-time-code" maxLength={8} value={value} onChange={(e) => setValue(e.currentTarget.value)} error={inline} required autoFocus />
          )}
          <Button type="submit" loading={busy} fullWidth>
            Verify
          </Button>
          <Button
            variant="subtle"
            onClick={() => {
              setUseRecovery(!useRecovery);
              setValue('');
              setError(null);
            }}
          >
            {useRecovery ? 'Use a code from my app instead' : 'Lost your device? Use a recovery code'}
          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}
