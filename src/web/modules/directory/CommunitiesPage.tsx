import { Anchor, Button, Group, Modal, Paper, Stack, Table, Text, TextInput, Textarea } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { api, call, fieldError, type Community } from '../../api';
import { useAnnounce } from '../../components/Announcer';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Empty } from '../../components/Empty';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { Page } from '../../components/Page';
import { RemoteSelect } from '../../components/RemoteSelect';
import { isAdmin, useCurrentMe } from '../../session';
import { KIND_LABELS } from './labels';
import { useCommunities } from './queries';

const searchOrgs = async (q: string) => (await call(api.GET('/api/organisations', { params: { query: { q: q || undefined, pageSize: 20 } } }))).items.map((o) => ({ value: o.id, label: `${o.name} — ${KIND_LABELS[o.kind]}` }));

/** Communities: the groups organisations share with. Admins create them and manage their members. */
export function CommunitiesPage() {
  const me = useCurrentMe();
  const list = useCommunities();
  const [creating, setCreating] = useState(false);
  const [adding, setAdding] = useState<Community | null>(null);
  const [removing, setRemoving] = useState<Community | null>(null);
  const canManage = isAdmin(me);
  return (
    <Page
      title="Communities"
      lead="Groups of organisations that share information with each other, such as all election officials, or campaigns and their partners."
      actions={canManage ? <Button onClick={() => setCreating(true)}>New community</Button> : null}
    >
      {list.isPending ? <Loading /> : null}
      {list.error ? <ErrorAlert error={list.error} title="Could not load communities" /> : null}
      {list.data && list.data.items.length === 0 ? <Empty title="No communities yet">{canManage ? 'Create one to group organisations that share with each other.' : 'Your hub has not set up communities yet.'}</Empty> : null}
      {list.data && list.data.items.length > 0 ? (
        <Paper withBorder radius="md">
          <Table.ScrollContainer minWidth={640}>
            <Table verticalSpacing="sm" horizontalSpacing="md" striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Community</Table.Th>
                  <Table.Th>Description</Table.Th>
                  <Table.Th ta="right">Organisations</Table.Th>
                  {canManage ? <Table.Th><span style={{ position: 'absolute', left: -10000 }}>Actions</span></Table.Th> : null}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data.items.map((c) => (
                  <Table.Tr key={c.id}>
                    <Table.Td fw={600}>{c.name}</Table.Td>
                    <Table.Td>{c.description || <Text span c="dimmed">—</Text>}</Table.Td>
                    <Table.Td ta="right">
                      <Anchor component={Link} to={`/directory/organisations?community=${c.id}`} aria-label={`${c.memberCount} organisations in ${c.name}: view them`}>
                        {c.memberCount}
                      </Anchor>
                    </Table.Td>
                    {canManage ? (
                      <Table.Td>
                        <Group gap="xs" justify="flex-end" wrap="nowrap">
                          <Button size="xs" variant="default" onClick={() => setAdding(c)} aria-label={`Add organisation to ${c.name}`}>
                            Add organisation
                          </Button>
                          <Button size="xs" variant="outline" color="#b02525" onClick={() => setRemoving(c)} aria-label={`Remove organisation from ${c.name}`} disabled={c.memberCount === 0}>
                            Remove organisation
                          </Button>
                        </Group>
                      </Table.Td>
                    ) : null}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      ) : null}
      <CreateCommunity opened={creating} onClose={() => setCreating(false)} />
      {adding ? <MemberDialog community={adding} mode="add" onClose={() => setAdding(null)} /> : null}
      {removing ? <MemberDialog community={removing} mode="remove" onClose={() => setRemoving(null)} /> : null}
    </Page>
  );
}

function CreateCommunity({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const qc = useQueryClient();
  const announce = useAnnounce();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const create = useMutation({
    mutationFn: () => call(api.POST('/api/communities', { body: { name: name.trim(), description } })),
    onSuccess: async (c) => {
      await qc.invalidateQueries({ queryKey: ['communities'] });
      announce(`Created community ${c.name}`);
      setName('');
      setDescription('');
      onClose();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <Modal opened={opened} onClose={onClose} title={<Text fw={700}>New community</Text>} centered>
      <form onSubmit={submit} noValidate>
        <Stack>
          <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldError(create.error, 'body.name')} required data-autofocus />
          <Textarea label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} error={fieldError(create.error, 'body.description')} autosize minRows={2} />
          {create.error ? <ErrorAlert error={create.error} shownInline={['body.name', 'body.description']} /> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create community
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function MemberDialog({ community, mode, onClose }: { community: Community; mode: 'add' | 'remove'; onClose: () => void }) {
  const qc = useQueryClient();
  const announce = useAnnounce();
  const [orgId, setOrgId] = useState<string | null>(null);
  const [label, setLabel] = useState<string | null>(null);
  const searchMembers = async (q: string) =>
    (await call(api.GET('/api/organisations', { params: { query: { q: q || undefined, communityId: community.id, pageSize: 20 } } }))).items.map((o) => ({ value: o.id, label: o.name }));
  const run = useMutation({
    mutationFn: async () => {
      if (!orgId) throw new Error('Choose an organisation first');
      if (mode === 'add') await call(api.POST('/api/communities/{id}/members', { params: { path: { id: community.id } }, body: { orgIds: [orgId] } }));
      else await call(api.DELETE('/api/communities/{id}/members/{orgId}', { params: { path: { id: community.id, orgId } } }));
    },
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: ['communities'] });
      await qc.invalidateQueries({ queryKey: ['orgs'] });
      announce(mode === 'add' ? `Added ${label} to ${community.name}` : `Removed ${label} from ${community.name}`);
      onClose();
    },
  });
  return (
    <ConfirmDialog opened title={mode === 'add' ? `Add to ${community.name}` : `Remove from ${community.name}`} confirmLabel={mode === 'add' ? 'Add' : 'Remove'} danger={mode === 'remove'} busy={run.isPending} error={run.error} onConfirm={() => run.mutate()} onClose={onClose}>
      <RemoteSelect
        label="Organisation"
        queryKey={mode === 'add' ? 'org-picker' : `community-members-${community.id}`}
        search={mode === 'add' ? searchOrgs : searchMembers}
        value={orgId}
        onChange={(v, l) => {
          setOrgId(v);
          setLabel(l);
        }}
        data-autofocus
      />
      {mode === 'remove' ? <Text fz="sm" mt="sm">The organisation stops receiving what is shared with this community.</Text> : null}
    </ConfirmDialog>
  );
}
