import { Alert, Button, Group, Image, List, Stack, Text, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { api, call, fieldError } from '../../api';
import { CopyField } from '../../components/CopyField';
import { ErrorAlert } from '../../components/ErrorAlert';

function svgDataUrl(svg: string) {
  return `data:image/svg+xml;base64,${btoa(unescape(encodeURIComponent(svg)))}`;
}

/**
 * Two-step verification enrolment: scan the QR code (or type the secret), confirm with a first
 * code, then keep the recovery codes (shown once; copy or download). `onDone` after the codes.
 */
export function MfaEnrolment({ onDone, doneLabel = 'Continue' }: { onDone: () => void; doneLabel?: string }) {
  const setup = useMutation({ mutationFn: () => call(api.POST('/api/auth/mfa/setup')) });
  const [code, setCode] = useState('');
  const enable = useMutation({ mutationFn: (c: string) => call(api.POST('/api/auth/mfa/enable', { body: { code: c } })) });
  const [saved, setSaved] = useState(false);
  const { mutate: start } = setup;
  useEffect(() => start(), [start]);

  if (enable.data) {
    const codes = enable.data.recoveryCodes;
    const text = `Rampart recovery codes (each works once)\n\n${codes.join('\n')}\n`;
    const download = () => {
      const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = 'rampart-recovery-codes.txt';
      a.click();
      URL.revokeObjectURL(url);
    };
    return (
      <Stack gap="md">
        <Alert color="green" variant="light" title="Two-step verification is on" role="status">
          Keep these recovery codes somewhere safe, away from your phone. Each one signs you in once if you lose your device. They are shown only now.
        </Alert>
        <CopyField value={codes.join('\n')} label="recovery codes" />
        <Group>
          <Button variant="default" onClick={download}>
            Download as a file
          </Button>
        </Group>
        <Button onClick={() => (saved ? onDone() : setSaved(true))} variant={saved ? 'filled' : 'light'}>
          {saved ? doneLabel : 'I have saved my recovery codes'}
        </Button>
      </Stack>
    );
  }

  if (setup.isPending || setup.isIdle) return <Text role="status">Preparing your setup code…</Text>;
  if (setup.error) return <ErrorAlert error={setup.error} title="Could not start the setup" />;
  const s = setup.data!;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    enable.mutate(code);
  };
  return (
    <Stack gap="md">
      <List type="ordered" size="sm" spacing={4}>
        <List.Item>Open an authenticator app on your phone (for example Google Authenticator, Microsoft Authenticator or 1Password).</List.Item>
        <List.Item>Scan this QR code, or type the setup key below.</List.Item>
        <List.Item>Enter the 6-digit code the app shows.</List.Item>
      </List>
      <Image src={svgDataUrl(s.qrSvg)} alt="QR code for your authenticator app; the same setup key is written below" w={180} h={180} mx="auto" style={{ border: '1px solid #dee2e6', borderRadius: 6, background: '#fff' }} />
      <div>
        <Text fz="sm" fw={600} mb={4} id="setup-key-label">
          Setup key (for manual entry)
        </Text>
        <CopyField value={s.secret} label="setup key" />
      </div>
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <TextInput
            label="6-digit code from your app"
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            value={code}
            onChange={(e) => setCode(e.currentTarget.value)}
            error={fieldError(enable.error, 'body.code')}
            required
            maxLength={8}
          />
          {enable.error && !fieldError(enable.error, 'body.code') ? <ErrorAlert error={enable.error} /> : null}
          <Button type="submit" loading={enable.isPending}>
            Turn on two-step verification
          </Button>
        </Stack>
      </form>
    </Stack>
  );
}
