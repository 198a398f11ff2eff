import { Alert, Badge, Button, Card, Checkbox, Group, Modal, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, call, fieldError, type ApiToken } from '../../api';
import { useAnnounce } from '../../components/Announcer';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { CopyField } from '../../components/CopyField';
import { ErrorAlert } from '../../components/ErrorAlert';
import { fmtDate, fmtDateTime, ROLE_LABELS } from '../../components/format';
import { Loading } from '../../components/Loading';
import { Page } from '../../components/Page';
import { useCurrentMe } from '../../session';
import { MfaEnrolment } from '../auth/MfaEnrolment';

type Scope = 'read' | 'write' | 'taxii' | 'admin';
const SCOPES: { value: Scope; label: string; help: string }[] = [
  { value: 'read', label: 'Read', help: 'read the directory and shared information' },
  { value: 'write', label: 'Write', help: 'create and change records' },
  { value: 'taxii', label: 'TAXII', help: 'pull and push threat feeds (TAXII 2.1)' },
  { value: 'admin', label: 'Admin', help: 'manage people and read the audit log (admins only)' },
];

export function AccountPage() {
  const me = useCurrentMe();
  const qc = useQueryClient();
  const [enrolling, setEnrolling] = useState(false);
  return (
    <Page title="Account and security" lead="Your profile, two-step verification and API tokens.">
      <Card withBorder radius="md" padding="lg">
        <Title order={2} fz="lg" mb="sm">
          Profile
        </Title>
        <Group gap={48} align="flex-start" mb="md">
          <div>
            <Text fz="xs" fw={700} tt="uppercase" c="dimmed">Name</Text>
            <Text>{me.name}</Text>
          </div>
          <div>
            <Text fz="xs" fw={700} tt="uppercase" c="dimmed">Email</Text>
            <Text>{me.email}</Text>
          </div>
          {me.platformAdmin ? (
            <div>
              <Text fz="xs" fw={700} tt="uppercase" c="dimmed">Platform</Text>
              <Text>Platform admin</Text>
            </div>
          ) : null}
        </Group>
        <Table verticalSpacing={6} captionSide="top">
          <caption style={{ textAlign: 'left', fontWeight: 600, paddingBottom: 6 }}>Your organisations</caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Organisation</Table.Th>
              <Table.Th>Role</Table.Th>
              <Table.Th>
                <span style={{ position: 'absolute', left: -10000 }}>Status</span>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {me.memberships.map((m) => (
              <Table.Tr key={m.orgId}>
                <Table.Td>{m.orgName}</Table.Td>
                <Table.Td>{ROLE_LABELS[m.role]}</Table.Td>
                <Table.Td>{m.orgId === me.currentOrgId ? <Badge variant="outline" color="rampart.8">Acting for</Badge> : null}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Card>

      <Card withBorder radius="md" padding="lg">
        <Group justify="space-between" mb="sm">
          <Title order={2} fz="lg">
            Two-step verification
          </Title>
          <Badge color={me.mfaEnabled ? '#1e6b34' : '#b02525'} variant="filled" size="lg" tt="none">
            {me.mfaEnabled ? 'On' : 'Off'}
          </Badge>
        </Group>
        {me.mfaEnabled ? (
          <Text>
            You sign in with your password and a code from your authenticator app. {me.recoveryCodesLeft === 0 ? 'You have no unused recovery codes.' : `${me.recoveryCodesLeft} of your recovery codes are unused.`}
            {me.recoveryCodesLeft <= 3 ? ' You are running low: ask an admin to reset two-step verification to get a new set.' : ''} To move to a new phone, ask an admin to reset it.
          </Text>
        ) : enrolling ? (
          <div style={{ maxWidth: 460 }}>
            <MfaEnrolment
              doneLabel="Done"
              onDone={() => {
                setEnrolling(false);
                void qc.invalidateQueries({ queryKey: ['me'] });
              }}
            />
          </div>
        ) : (
          <Stack gap="sm" align="flex-start">
            <Text>Add a second step to your sign-in: a 6-digit code from an app on your phone. It stops someone who learns your password from getting in.</Text>
            <Button onClick={() => setEnrolling(true)}>Set up two-step verification</Button>
          </Stack>
        )}
      </Card>

      <Tokens />
    </Page>
  );
}

function Tokens() {
  const me = useCurrentMe();
  const tokens = useQuery({ queryKey: ['tokens'], queryFn: () => call(api.GET('/api/tokens')) });
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const qc = useQueryClient();
  const announce = useAnnounce();
  const revoke = useMutation({
    mutationFn: (id: string) => call(api.DELETE('/api/tokens/{id}', { params: { path: { id } } })),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: ['tokens'] });
      announce(`Revoked token ${revoking?.name ?? ''}`);
      setRevoking(null);
    },
  });
  const active = tokens.data?.items.filter((t) => !t.revokedAt) ?? [];
  const revoked = tokens.data?.items.filter((t) => t.revokedAt) ?? [];
  return (
    <Card withBorder radius="md" padding="lg">
      <Group justify="space-between" mb="xs">
        <Title order={2} fz="lg">
          API tokens
        </Title>
        <Button onClick={() => setCreating(true)} disabled={!me.memberships.length}>
          Create token
        </Button>
      </Group>
      <Text c="dimmed" fz="sm" mb="md">
        For scripts and tools (TAXII clients, SIEMs) that act for one of your organisations. Send it as <code>Authorization: Bearer …</code>. Revoke a token as soon as it is no longer needed.
      </Text>
      {tokens.isPending ? <Loading /> : null}
      {tokens.error ? <ErrorAlert error={tokens.error} title="Could not load your tokens" /> : null}
      {tokens.data && active.length === 0 ? <Text c="dimmed">You have no active tokens.</Text> : null}
      {active.length ? (
        <Table.ScrollContainer minWidth={760}>
          <Table verticalSpacing="xs" striped data-testid="tokens">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Organisation</Table.Th>
                <Table.Th>Scopes</Table.Th>
                <Table.Th>Starts with</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Last used</Table.Th>
                <Table.Th>Expires</Table.Th>
                <Table.Th>
                  <span style={{ position: 'absolute', left: -10000 }}>Actions</span>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {active.map((t) => (
                <Table.Tr key={t.id}>
                  <Table.Td fw={600}>{t.name}</Table.Td>
                  <Table.Td>{t.orgName}</Table.Td>
                  <Table.Td>{t.scopes.join(', ')}</Table.Td>
                  <Table.Td className="mono">{t.prefix}…</Table.Td>
                  <Table.Td>{fmtDate(t.createdAt)}</Table.Td>
                  <Table.Td>{t.lastUsedAt ? fmtDateTime(t.lastUsedAt) : 'Never'}</Table.Td>
                  <Table.Td>{t.expiresAt ? fmtDate(t.expiresAt) : 'Never'}</Table.Td>
                  <Table.Td>
                    <Button size="xs" variant="outline" color="#b02525" onClick={() => setRevoking(t)} aria-label={`Revoke token ${t.name}`}>
                      Revoke
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : null}
      {revoked.length ? (
        <Text c="dimmed" fz="sm" mt="sm">
          {revoked.length} revoked {revoked.length === 1 ? 'token is' : 'tokens are'} kept for the record and no longer work.
        </Text>
      ) : null}
      <CreateToken opened={creating} onClose={() => setCreating(false)} />
      <ConfirmDialog
        opened={!!revoking}
        title="Revoke this token?"
        confirmLabel="Revoke token"
        danger
        busy={revoke.isPending}
        error={revoke.error}
        onConfirm={() => revoking && revoke.mutate(revoking.id)}
        onClose={() => {
          setRevoking(null);
          revoke.reset();
        }}
      >
        Anything using <strong>{revoking?.name}</strong> ({revoking?.prefix}…) stops working immediately. This cannot be undone.
      </ConfirmDialog>
    </Card>
  );
}

function CreateToken({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const me = useCurrentMe();
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['read']);
  const [orgId, setOrgId] = useState<string | null>(me.currentOrgId);
  const [expires, setExpires] = useState<string>('90');
  const create = useMutation({
    mutationFn: () => call(api.POST('/api/tokens', { body: { name: name.trim(), scopes, orgId: orgId ?? undefined, expiresInDays: expires === 'never' ? undefined : Number(expires) } })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['tokens'] }),
  });
  const role = me.memberships.find((m) => m.orgId === orgId)?.role;
  const close = () => {
    setName('');
    setScopes(['read']);
    create.reset();
    onClose();
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <Modal opened={opened} onClose={close} title={<Text fw={700}>{create.data ? 'Your new token' : 'Create an API token'}</Text>} centered size="lg">
      {create.data ? (
        <Stack>
          <Alert color="yellow" variant="light" title="Copy it now: it is shown only once" role="status">
            Store it in your tool’s secret settings. If you lose it, revoke it and create another.
          </Alert>
          <CopyField value={create.data.token} label="API token" />
          <Group justify="flex-end">
            <Button onClick={close}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack>
            <TextInput label="Name" description="What uses it, e.g. “SIEM TAXII pull”" value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldError(create.error, 'body.name')} required data-autofocus />
            <Select label="Acts for" data={me.memberships.map((m) => ({ value: m.orgId, label: m.orgName }))} value={orgId} onChange={setOrgId} allowDeselect={false} error={fieldError(create.error, 'body.orgId')} />
            <Checkbox.Group label="Scopes" description="Give only what the tool needs." value={scopes} onChange={(v) => setScopes(v as Scope[])} error={fieldError(create.error, 'body.scopes')} withAsterisk>
              <Stack gap={6} mt={6}>
                {SCOPES.filter((s) => s.value !== 'admin' || role === 'org_admin' || me.platformAdmin).map((s) => (
                  <Checkbox key={s.value} value={s.value} label={`${s.label}: ${s.help}`} />
                ))}
              </Stack>
            </Checkbox.Group>
            <Select
              label="Expires"
              data={[
                { value: '30', label: 'In 30 days' },
                { value: '90', label: 'In 90 days' },
                { value: '365', label: 'In a year' },
                { value: 'never', label: 'Never (not recommended)' },
              ]}
              value={expires}
              onChange={(v) => setExpires(v ?? '90')}
              allowDeselect={false}
            />
            {create.error ? <ErrorAlert error={create.error} shownInline={['body.name', 'body.orgId', 'body.scopes']} /> : null}
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending}>
                Create token
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
