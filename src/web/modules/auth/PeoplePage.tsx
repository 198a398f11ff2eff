import { Button, Group, Modal, Pagination, Paper, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, call, fieldError, type Role, type UserItem } from '../../api';
import { useAnnounce } from '../../components/Announcer';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Empty } from '../../components/Empty';
import { ErrorAlert } from '../../components/ErrorAlert';
import { fmtDateTime, plural, ROLE_LABELS } from '../../components/format';
import { Loading } from '../../components/Loading';
import { Page } from '../../components/Page';
import { RemoteSelect } from '../../components/RemoteSelect';
import { useCurrentMe } from '../../session';

const PAGE_SIZE = 25;
type Confirm = { kind: 'mfa' | 'disable' | 'enable'; user: UserItem };

function Status({ u }: { u: UserItem }) {
  if (u.disabled) return <span className="pill pill-red">Disabled</span>;
  if (u.invited) return <span className="pill pill-amber">Invited</span>;
  return <span className="pill pill-green">Active</span>;
}

/** People: invite, reset two-step verification, disable and re-enable accounts. */
export function PeoplePage() {
  const me = useCurrentMe();
  const [q, setQ] = useState('');
  const [debounced] = useDebouncedValue(q, 250);
  const [page, setPage] = useState(1);
  const [inviting, setInviting] = useState(false);
  const [confirm, setConfirm] = useState<Confirm | null>(null);
  const qc = useQueryClient();
  const announce = useAnnounce();
  const users = useQuery({ queryKey: ['users', debounced, page], queryFn: () => call(api.GET('/api/users', { params: { query: { q: debounced.trim() || undefined, page, pageSize: PAGE_SIZE } } })), placeholderData: keepPreviousData });
  const act = useMutation({
    mutationFn: async (c: Confirm) => {
      if (c.kind === 'mfa') await call(api.POST('/api/users/{id}/reset-mfa', { params: { path: { id: c.user.id } } }));
      else await call(api.POST('/api/users/{id}/disable', { params: { path: { id: c.user.id } }, body: { disabled: c.kind === 'disable' } }));
    },
    onSuccess: async (_, c) => {
      await qc.invalidateQueries({ queryKey: ['users'] });
      announce(c.kind === 'mfa' ? `Two-step verification reset for ${c.user.name}` : c.kind === 'disable' ? `${c.user.name} is disabled` : `${c.user.name} is enabled again`);
      setConfirm(null);
    },
  });
  const total = users.data?.total ?? 0;
  return (
    <Page title="People" lead={me.platformAdmin ? 'Everyone with a Rampart account.' : 'The people in your organisation.'} actions={<Button onClick={() => setInviting(true)}>Invite someone</Button>}>
      <Group align="flex-end">
        <TextInput label="Search people" placeholder="Name or email" type="search" value={q} onChange={(e) => { setQ(e.currentTarget.value); setPage(1); }} w={300} />
        <div aria-live="polite">{users.data ? <Text fz="sm" c="dimmed" pb={8}>{plural(total, 'person', 'people')}</Text> : null}</div>
      </Group>
      {users.isPending ? <Loading /> : null}
      {users.error ? <ErrorAlert error={users.error} title="Could not load people" /> : null}
      {users.data && total === 0 ? <Empty title={q ? 'Nobody matches' : 'Nobody here yet'}>{q ? 'Try another name or email.' : 'Invite the first person.'}</Empty> : null}
      {users.data && total > 0 ? (
        <Paper withBorder radius="md">
          <Table.ScrollContainer minWidth={900}>
            <Table striped verticalSpacing="sm" horizontalSpacing="md">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Person</Table.Th>
                  <Table.Th>Organisations and roles</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th className="nowrap">Two-step</Table.Th>
                  <Table.Th className="nowrap">Last sign-in</Table.Th>
                  <Table.Th><span style={{ position: 'absolute', left: -10000 }}>Actions</span></Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {users.data.items.map((u) => (
                  <Table.Tr key={u.id}>
                    <Table.Td>
                      <Text fw={600}>{u.name}{u.platformAdmin ? ' (platform admin)' : ''}</Text>
                      <Text fz="sm" c="dimmed">{u.email}</Text>
                    </Table.Td>
                    <Table.Td>
                      {u.memberships.length ? u.memberships.map((m) => <Text key={m.orgId} fz="sm">{m.orgName} · {ROLE_LABELS[m.role]}</Text>) : <Text fz="sm" c="dimmed">—</Text>}
                    </Table.Td>
                    <Table.Td><Status u={u} /></Table.Td>
                    <Table.Td>{u.mfaEnabled ? 'On' : 'Off'}</Table.Td>
                    <Table.Td>{u.lastLoginAt ? fmtDateTime(u.lastLoginAt) : 'Never'}</Table.Td>
                    <Table.Td>
                      <Group gap={4} justify="flex-end" wrap="nowrap">
                        {u.id !== me.id && u.mfaEnabled ? <Button size="xs" variant="default" onClick={() => setConfirm({ kind: 'mfa', user: u })} aria-label={`Reset two-step verification for ${u.name}`}>Reset two-step</Button> : null}
                        {u.id !== me.id ? (
                          u.disabled ? (
                            <Button size="xs" variant="default" onClick={() => setConfirm({ kind: 'enable', user: u })} aria-label={`Enable ${u.name}`}>Enable</Button>
                          ) : (
                            <Button size="xs" variant="outline" color="#b02525" onClick={() => setConfirm({ kind: 'disable', user: u })} aria-label={`Disable ${u.name}`}>Disable</Button>
                          )
                        ) : null}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      ) : null}
      {total > PAGE_SIZE ? (
        <nav aria-label="Pages of people">
          <Pagination total={Math.ceil(total / PAGE_SIZE)} value={page} onChange={setPage} getControlProps={(c) => ({ 'aria-label': `${c[0]!.toUpperCase()}${c.slice(1)} page` })} getItemProps={(p) => ({ 'aria-label': `Page ${p}` })} />
        </nav>
      ) : null}
      <InviteDialog opened={inviting} onClose={() => setInviting(false)} />
      <ConfirmDialog
        opened={!!confirm}
        title={confirm?.kind === 'mfa' ? 'Reset two-step verification?' : confirm?.kind === 'disable' ? 'Disable this account?' : 'Enable this account?'}
        confirmLabel={confirm?.kind === 'mfa' ? 'Reset two-step verification' : confirm?.kind === 'disable' ? 'Disable account' : 'Enable account'}
        danger={confirm?.kind !== 'enable'}
        busy={act.isPending}
        error={act.error}
        onConfirm={() => confirm && act.mutate(confirm)}
        onClose={() => {
          setConfirm(null);
          act.reset();
        }}
      >
        {confirm?.kind === 'mfa'
          ? `${confirm.user.name} will set up two-step verification again at their next sign-in. Do this only after confirming who is asking, for example by calling them on a known number.`
          : confirm?.kind === 'disable'
            ? `${confirm.user.name} is signed out everywhere and cannot sign in until enabled again. Their API tokens stop working.`
            : `${confirm?.user.name} will be able to sign in again.`}
      </ConfirmDialog>
    </Page>
  );
}

function InviteDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const me = useCurrentMe();
  const qc = useQueryClient();
  const announce = useAnnounce();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [orgId, setOrgId] = useState<string | null>(me.currentOrgId);
  const [role, setRole] = useState<Role>('member');
  const adminOf = me.memberships.filter((m) => m.role === 'org_admin');
  const invite = useMutation({
    mutationFn: () => call(api.POST('/api/users/invite', { body: { name: name.trim(), email: email.trim(), orgId: orgId ?? '', role } })),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: ['users'] });
      announce(`Invitation sent to ${email}`);
      setName('');
      setEmail('');
      onClose();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    invite.mutate();
  };
  const close = () => {
    invite.reset();
    onClose();
  };
  const searchOrgs = async (q: string) => (await call(api.GET('/api/organisations', { params: { query: { q: q || undefined, pageSize: 20 } } }))).items.map((o) => ({ value: o.id, label: o.name }));
  return (
    <Modal opened={opened} onClose={close} title={<Text fw={700}>Invite someone</Text>} centered>
      <form onSubmit={submit} noValidate>
        <Stack>
          <Text fz="sm" c="dimmed">They get an email with a link to choose a password. The link works for 72 hours.</Text>
          <TextInput label="Full name" value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldError(invite.error, 'body.name')} required data-autofocus />
          <TextInput label="Email" type="email" value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={fieldError(invite.error, 'body.email')} required />
          {me.platformAdmin ? (
            <RemoteSelect label="Organisation" queryKey="org-picker-invite" search={searchOrgs} value={orgId} valueLabel={me.memberships.find((m) => m.orgId === orgId)?.orgName} onChange={(v) => setOrgId(v)} error={fieldError(invite.error, 'body.orgId')} required />
          ) : (
            <Select label="Organisation" data={adminOf.map((m) => ({ value: m.orgId, label: m.orgName }))} value={orgId} onChange={setOrgId} allowDeselect={false} error={fieldError(invite.error, 'body.orgId')} required />
          )}
          <Select
            label="Role"
            description="Analysts and admins must use two-step verification."
            data={(['member', 'analyst', 'org_admin'] as Role[]).map((r) => ({ value: r, label: ROLE_LABELS[r] }))}
            value={role}
            onChange={(v) => setRole((v as Role | null) ?? 'member')}
            allowDeselect={false}
            error={fieldError(invite.error, 'body.role')}
          />
          {invite.error ? <ErrorAlert error={invite.error} shownInline={['body.name', 'body.email', 'body.orgId', 'body.role']} /> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>Cancel</Button>
            <Button type="submit" loading={invite.isPending}>Send invitation</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
