import { Button, Group, Modal, NumberInput, PasswordInput, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, call, fieldError } from '../../api';
import { useAnnounce } from '../../components/Announcer';
import { Empty } from '../../components/Empty';
import { ErrorAlert } from '../../components/ErrorAlert';
import { fmtDateTime, plural } from '../../components/format';
import { Loading } from '../../components/Loading';
import { Page } from '../../components/Page';
import { TlpBadge } from '../../components/TlpBadge';
import { isAdmin, useCurrentMe } from '../../session';
import { INTEL_BASE, useMyCommunities, type PollResult, type Subscription } from './intel';
import { SharingFields, type SharingValue } from './parts';
import { every, FeedRowActions, FeedStatus, FeedTable, ManagersOnly, useFeedDeletion } from './feeds';
import './intel.css';

const FIELDS = ['body.name', 'body.apiRootUrl', 'body.collectionId', 'body.username', 'body.password', 'body.pollSeconds', 'body.tlp', 'body.communityIds'];

function NewSubscription({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const me = useCurrentMe();
  const communities = useMyCommunities(me.currentOrgId);
  const qc = useQueryClient();
  const announce = useAnnounce();
  const [name, setName] = useState('');
  const [apiRootUrl, setApiRootUrl] = useState('');
  const [collectionId, setCollectionId] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [minutes, setMinutes] = useState<number | string>(15);
  const [sharing, setSharing] = useState<SharingValue>({ tlp: 'AMBER', communityIds: [], recipientOrgIds: [] });
  const create = useMutation({
    mutationFn: () =>
      call(
        api.POST('/api/intel/subscriptions', {
          body: {
            name,
            apiRootUrl,
            collectionId,
            username: username || null,
            password: password || null,
            tlp: sharing.tlp,
            communityIds: sharing.communityIds,
            pollSeconds: Math.round(Number(minutes || 15) * 60),
            enabled: true,
          },
        }),
      ),
    onSuccess: async (s) => {
      await qc.invalidateQueries({ queryKey: ['intel', 'subscriptions'] });
      announce(`Subscribed to ${s.name}`);
      onClose();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const err = create.error;
  return (
    <Modal opened={opened} onClose={onClose} title={<Text fw={700}>Subscribe to a TAXII feed</Text>} size="lg">
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <TextInput label="Name" required description="How this feed is shown in Rampart, e.g. “EI-ISAC indicators”." value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldError(err, 'body.name')} data-autofocus />
          <TextInput label="API root URL" required placeholder="https://taxii.example.org/api1/" value={apiRootUrl} onChange={(e) => setApiRootUrl(e.currentTarget.value)} error={fieldError(err, 'body.apiRootUrl')} />
          <TextInput label="Collection ID" required value={collectionId} onChange={(e) => setCollectionId(e.currentTarget.value)} error={fieldError(err, 'body.collectionId')} />
          <Group grow align="flex-start">
            <TextInput label="Username" description="Leave empty to send the password as an API key (Bearer)." value={username} onChange={(e) => setUsername(e.currentTarget.value)} error={fieldError(err, 'body.username')} autoComplete="off" />
            <PasswordInput label="Password or API key" description="Stored encrypted; never shown again." value={password} onChange={(e) => setPassword(e.currentTarget.value)} error={fieldError(err, 'body.password')} autoComplete="new-password" />
          </Group>
          <NumberInput label="Check for new objects every (minutes)" min={1} max={7 * 24 * 60} value={minutes} onChange={setMinutes} error={fieldError(err, 'body.pollSeconds')} w={300} />
          <Title order={3} fz="md">
            Who can see what arrives
          </Title>
          <SharingFields value={sharing} onChange={(v) => setSharing({ ...v, recipientOrgIds: [] })} communities={communities.data ?? []} errors={{ tlp: fieldError(err, 'body.tlp'), communityIds: fieldError(err, 'body.communityIds') }} recipients={false} />
          {err ? <ErrorAlert error={err} title="The subscription was not saved" shownInline={FIELDS} /> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Subscribe
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** TAXII 2.1 feeds Rampart pulls for your organisation: status, poll now, delete. */
export function IntelSubscriptionsPage() {
  const me = useCurrentMe();
  const canManage = me.role === 'analyst' || isAdmin(me);
  const qc = useQueryClient();
  const announce = useAnnounce();
  const [adding, setAdding] = useState(false);
  const deletion = useFeedDeletion<Subscription>({
    noun: 'subscription',
    name: (s) => s.name,
    remove: (s) => call(api.DELETE('/api/intel/subscriptions/{id}', { params: { path: { id: s.id } } })),
    queryKey: ['intel', 'subscriptions'],
    consequence: 'Rampart stops checking this feed and forgets its stored credentials. Objects already received stay in Rampart with their markings.',
  });
  const [lastPoll, setLastPoll] = useState<{ id: string; result: PollResult } | null>(null);
  const list = useQuery({ queryKey: ['intel', 'subscriptions'], queryFn: () => call(api.GET('/api/intel/subscriptions')) });
  const poll = useMutation({
    mutationFn: (s: Subscription) => call(api.POST('/api/intel/subscriptions/{id}/poll', { params: { path: { id: s.id } }, body: {} })),
    onSuccess: async (result, s) => {
      setLastPoll({ id: s.id, result });
      announce(result.error ? `${s.name}: the feed could not be read` : `${s.name}: ${plural(result.stored, 'new object')}`);
      await qc.invalidateQueries({ queryKey: ['intel'] });
    },
  });
  const items = list.data?.items ?? [];
  return (
    <Page
      title="TAXII subscriptions"
      crumbs={[
        { label: 'Election infrastructure', to: '/infrastructure' },
        { label: 'Threat intel', to: INTEL_BASE },
      ]}
      lead="Feeds from other sharing platforms (TAXII 2.1) that Rampart checks on a schedule. What arrives is shared inside Rampart with the TLP and communities you chose."
      actions={canManage ? <Button onClick={() => setAdding(true)}>New subscription</Button> : null}
    >
      {list.error ? <ErrorAlert error={list.error} title="Could not load subscriptions" /> : null}
      {list.isPending ? <Loading label="Loading subscriptions" /> : null}
      {poll.error ? <ErrorAlert error={poll.error} title="Could not poll the feed" /> : null}
      {list.data && !items.length ? (
        <Empty title="No subscriptions yet" action={canManage ? <Button onClick={() => setAdding(true)}>Subscribe to a feed</Button> : undefined}>
          Subscribe to a TAXII 2.1 collection (for example your ISAC’s) to receive its indicators here automatically.
        </Empty>
      ) : null}
      {items.length ? (
        <FeedTable
          head={
            <>
              <Table.Th>Feed</Table.Th>
              <Table.Th>Shared as</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th ta="right">Objects received</Table.Th>
              {canManage ? <Table.Th>Actions</Table.Th> : null}
            </>
          }
        >
          {items.map((s) => (
            <Table.Tr key={s.id}>
              <Table.Td miw={240} maw={340}>
                <Text fw={600} fz="sm">
                  {s.name}
                </Text>
                <Text fz="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>
                  {s.apiRootUrl} · collection <span className="mono">{s.collectionId}</span>
                </Text>
                <Text fz="xs" c="dimmed">
                  Every {every(s.pollSeconds)}
                  {s.enabled ? ` · next ${fmtDateTime(s.nextPollAt)}` : ' · paused'}
                  {s.username ? ` · user ${s.username}` : s.hasPassword ? ' · API key stored' : ''}
                </Text>
              </Table.Td>
              <Table.Td>
                <TlpBadge tlp={s.tlp} />
              </Table.Td>
              <Table.Td maw={300}>
                <FeedStatus lastError={s.lastError} failures={s.failures} lastSuccessAt={s.lastSuccessAt}>
                  {lastPoll?.id === s.id && !lastPoll.result.error ? (
                    <Text fz="xs" data-testid="poll-result">
                      Just now: {plural(lastPoll.result.received, 'object')} received, {lastPoll.result.stored} new, {lastPoll.result.duplicates} already known, {lastPoll.result.rejected} refused
                    </Text>
                  ) : null}
                </FeedStatus>
              </Table.Td>
              <Table.Td ta="right">{s.objectsReceived.toLocaleString()}</Table.Td>
              {canManage ? (
                <Table.Td>
                  <FeedRowActions name={s.name} fetchLabel="Check now" onFetch={() => poll.mutate(s)} fetching={poll.isPending && poll.variables?.id === s.id} onDelete={() => deletion.ask(s)} />
                </Table.Td>
              ) : null}
            </Table.Tr>
          ))}
        </FeedTable>
      ) : null}
      {!canManage ? <ManagersOnly what="subscriptions" /> : null}
      {adding ? <NewSubscription opened={adding} onClose={() => setAdding(false)} /> : null}
      {deletion.dialog}
    </Page>
  );
}
