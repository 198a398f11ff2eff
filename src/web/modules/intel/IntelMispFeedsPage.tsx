import { Anchor, Button, Checkbox, Group, Modal, NumberInput, PasswordInput, Stack, Table, Text, TextInput, Title, VisuallyHidden } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { api, call, fieldError } from '../../api';
import { useAnnounce } from '../../components/Announcer';
import { Empty } from '../../components/Empty';
import { ErrorAlert } from '../../components/ErrorAlert';
import { fmtDateTime, plural } from '../../components/format';
import { Loading } from '../../components/Loading';
import { Page } from '../../components/Page';
import { TlpBadge } from '../../components/TlpBadge';
import { isAdmin, useCurrentMe } from '../../session';
import type { Tlp } from '../../theme';
import { every, FeedRowActions, FeedStatus, FeedTable, ManagersOnly, useFeedDeletion } from './feeds';
import { INTEL_BASE, useMyCommunities, type MispFeed } from './intel';
import { SharingFields, type SharingValue } from './parts';
import './intel.css';

const FIELDS = ['body.url', 'body.authHeader', 'body.authValue', 'body.intervalSeconds', 'body.enabled', 'body.tlp', 'body.communityIds'];
/** The TLP choice that applies no label: each event keeps its own (its tlp: tag, else what its distribution suggests). */
const AS_MARKED = 'as-marked';
type TlpChoice = Tlp | typeof AS_MARKED;

/** The feed as people name it: host and path, without the scheme. */
const feedName = (f: MispFeed) => f.url.replace(/^https?:\/\//, '').replace(/\/$/, '');

/** Add a feed (POST: registers it and pulls now) or edit one (PATCH: only what changed is sent). */
function FeedForm({ feed, onClose }: { feed: MispFeed | null; onClose: () => void }) {
  const me = useCurrentMe();
  const communities = useMyCommunities(me.currentOrgId);
  const qc = useQueryClient();
  const announce = useAnnounce();
  const [url, setUrl] = useState(feed?.url ?? '');
  const [authHeader, setAuthHeader] = useState(feed?.authHeader ?? '');
  const [authValue, setAuthValue] = useState('');
  const [minutes, setMinutes] = useState<number | string>(feed ? feed.intervalSeconds / 60 : 60);
  const [enabled, setEnabled] = useState(feed?.enabled ?? true);
  const [sharing, setSharing] = useState<SharingValue<TlpChoice>>({ tlp: feed ? (feed.tlp ?? AS_MARKED) : AS_MARKED, communityIds: feed?.communityIds ?? [], recipientOrgIds: [] });
  const save = useMutation({
    mutationFn: async () => {
      const common = {
        url: url.trim(),
        intervalSeconds: Math.round(Number(minutes) * 60),
        // on an edit, only a change: turning a feed on again forgets its failures
        ...(!feed || enabled !== feed.enabled ? { enabled } : {}),
        communityIds: sharing.communityIds,
        ...(authValue ? { authValue } : {}),
      };
      const tlp = sharing.tlp === AS_MARKED ? null : sharing.tlp;
      if (!feed) {
        const r = await call(api.POST('/api/intel/misp-feeds', { body: { ...common, communityIds: sharing.communityIds.length ? sharing.communityIds : undefined, ...(tlp ? { tlp } : {}), ...(authHeader.trim() ? { authHeader: authHeader.trim() } : {}) } }));
        return r.feed;
      }
      const header = authHeader.trim() || null;
      return call(api.PATCH('/api/intel/misp-feeds/{id}', { params: { path: { id: feed.id } }, body: { ...common, tlp, ...(header !== feed.authHeader || authValue ? { authHeader: header } : {}) } }));
    },
    onSuccess: async (f) => {
      await qc.invalidateQueries({ queryKey: ['intel', 'misp-feeds'] });
      announce(feed ? `Feed ${feedName(f)} saved` : `Feed ${feedName(f)} added; its first pull has started`);
      onClose();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const err = save.error;
  return (
    <Modal opened onClose={onClose} title={<Text fw={700}>{feed ? `Edit the MISP feed ${feedName(feed)}` : 'Add a MISP feed'}</Text>} size="lg">
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <TextInput
            label="Feed URL"
            required
            description="The address of the folder that holds manifest.json and the event files."
            placeholder="https://misp.example.org/feeds/elections/"
            value={url}
            onChange={(e) => setUrl(e.currentTarget.value)}
            error={fieldError(err, 'body.url')}
            data-autofocus
          />
          <Group grow align="flex-start">
            <TextInput
              label="Authentication header"
              description="Optional: the header the feed expects, e.g. Authorization. Empty for a public feed."
              placeholder="Authorization"
              value={authHeader}
              onChange={(e) => setAuthHeader(e.currentTarget.value)}
              error={fieldError(err, 'body.authHeader')}
              autoComplete="off"
            />
            <PasswordInput
              label="Header value"
              description={feed?.hasAuthValue ? 'Stored encrypted. Leave empty to keep the stored value.' : 'Stored encrypted; never shown again.'}
              value={authValue}
              onChange={(e) => setAuthValue(e.currentTarget.value)}
              error={fieldError(err, 'body.authValue')}
              autoComplete="new-password"
            />
          </Group>
          <Group align="flex-end" gap="xl">
            <NumberInput label="Pull every (minutes)" min={1} max={7 * 24 * 60} value={minutes} onChange={setMinutes} error={fieldError(err, 'body.intervalSeconds')} w={220} />
            <Checkbox label="Pull on this schedule" description="Off: pulled only when you choose Pull now." checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} error={fieldError(err, 'body.enabled')} mb={4} />
          </Group>
          <Title order={3} fz="md">
            Who can see what arrives
          </Title>
          <SharingFields<TlpChoice>
            value={sharing}
            onChange={(v) => setSharing({ ...v, recipientOrgIds: [] })}
            communities={communities.data ?? []}
            errors={{ tlp: fieldError(err, 'body.tlp'), communityIds: fieldError(err, 'body.communityIds') }}
            recipients={false}
            keepMarking={{ value: AS_MARKED, label: 'As each event is marked (its tlp: tag; otherwise what its distribution level suggests)' }}
          />
          {err ? <ErrorAlert error={err} title="The feed was not saved" shownInline={FIELDS} /> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              {feed ? 'Save feed' : 'Add feed'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** The last pull in words: its events and objects. */
function LastPull({ f }: { f: MispFeed }) {
  const p = f.lastPull;
  if (!p || p.status === 'queued' || p.status === 'running') return null;
  return (
    <Text fz="xs" data-testid="last-pull">
      Last pull{f.lastPulledAt !== f.lastSuccessAt ? ` ${fmtDateTime(f.lastPulledAt)}` : ''}: {plural(p.eventsPulled, 'event')}, {plural(p.inserted, 'new object')}, {p.duplicates.toLocaleString()} already known, {p.rejected.toLocaleString()} refused
      {f.lastIngestId ? (
        <>
          {' · '}
          <Anchor component={Link} to={`${INTEL_BASE}/ingest/${f.lastIngestId}`} fz="xs" underline="always">
            details<VisuallyHidden> of the last pull of {feedName(f)}</VisuallyHidden>
          </Anchor>
        </>
      ) : null}
    </Text>
  );
}

/** MISP feeds (manifest.json + event files) Rampart pulls for your organisation: status, add, edit, pull now, delete. */
export function IntelMispFeedsPage() {
  const me = useCurrentMe();
  const canManage = me.role === 'analyst' || isAdmin(me);
  const qc = useQueryClient();
  const announce = useAnnounce();
  const [editing, setEditing] = useState<MispFeed | 'new' | null>(null);
  const deletion = useFeedDeletion<MispFeed>({
    noun: 'MISP feed',
    name: feedName,
    remove: (f) => call(api.DELETE('/api/intel/misp-feeds/{id}', { params: { path: { id: f.id } } })),
    queryKey: ['intel', 'misp-feeds'],
    consequence: 'Rampart stops pulling this feed and forgets its stored header value. Objects already received stay in Rampart with their markings.',
  });
  const list = useQuery({
    queryKey: ['intel', 'misp-feeds'],
    queryFn: () => call(api.GET('/api/intel/misp-feeds')),
    // While a pull is queued or running, look again every 2 s: the counts arrive when it ends.
    refetchInterval: (q) => (q.state.data?.items.some((f) => f.lastStatus === 'queued') ? 2000 : false),
  });
  const pull = useMutation({
    mutationFn: (f: MispFeed) => call(api.POST('/api/intel/misp-feeds/{id}/pull', { params: { path: { id: f.id } } })),
    onSuccess: async (_r, f) => {
      announce(`${feedName(f)}: pull started`);
      await qc.invalidateQueries({ queryKey: ['intel', 'misp-feeds'] });
    },
  });
  const items = list.data?.items ?? [];
  const add = () => setEditing('new');
  return (
    <Page
      title="MISP feeds"
      crumbs={[
        { label: 'Election infrastructure', to: '/infrastructure' },
        { label: 'Threat intel', to: INTEL_BASE },
      ]}
      lead="MISP feeds (a manifest.json and one file per event) that Rampart pulls on a schedule, fetching only events newer than the last pull. What arrives is shared inside Rampart with the TLP and communities you chose."
      actions={canManage ? <Button onClick={add}>Add a MISP feed</Button> : null}
    >
      {list.error ? <ErrorAlert error={list.error} title="Could not load the MISP feeds" /> : null}
      {list.isPending ? <Loading label="Loading MISP feeds" /> : null}
      {pull.error ? <ErrorAlert error={pull.error} title="Could not pull the feed" /> : null}
      {list.data && !items.length ? (
        <Empty title="No MISP feeds yet" action={canManage ? <Button onClick={add}>Add a MISP feed</Button> : undefined}>
          Add a MISP feed (for example your ISAC’s, or a public one) to receive its events as STIX indicators here automatically.
        </Empty>
      ) : null}
      {items.length ? (
        <FeedTable
          minWidth={900}
          head={
            <>
              <Table.Th>Feed</Table.Th>
              <Table.Th>Shared as</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th ta="right">Events pulled</Table.Th>
              {canManage ? <Table.Th>Actions</Table.Th> : null}
            </>
          }
        >
          {items.map((f) => {
            const pending = f.lastStatus === 'queued';
            return (
              <Table.Tr key={f.id}>
                <Table.Td miw={240} maw={340}>
                  <Text fw={600} fz="sm" style={{ wordBreak: 'break-all' }}>
                    {feedName(f)}
                  </Text>
                  <Text fz="xs" c="dimmed">
                    Every {every(f.intervalSeconds)}
                    {f.enabled ? ` · next ${fmtDateTime(f.nextPullAt)}` : ' · paused'}
                    {f.authHeader ? (
                      <>
                        {' · '}
                        <span className="nowrap">{f.authHeader} header stored</span>
                      </>
                    ) : null}
                  </Text>
                </Table.Td>
                <Table.Td>{f.tlp ? <TlpBadge tlp={f.tlp} /> : <Text fz="sm">As marked</Text>}</Table.Td>
                <Table.Td maw={340}>
                  <FeedStatus lastError={f.lastError} failures={f.failures} lastSuccessAt={f.lastSuccessAt} pending={pending}>
                    <LastPull f={f} />
                  </FeedStatus>
                </Table.Td>
                <Table.Td ta="right" data-testid="events-pulled">
                  {f.eventsPulled.toLocaleString()}
                </Table.Td>
                {canManage ? (
                  <Table.Td>
                    <FeedRowActions name={feedName(f)} fetchLabel="Pull now" onFetch={() => pull.mutate(f)} fetching={pull.isPending && pull.variables?.id === f.id} fetchDisabled={pending} onEdit={() => setEditing(f)} onDelete={() => deletion.ask(f)} />
                  </Table.Td>
                ) : null}
              </Table.Tr>
            );
          })}
        </FeedTable>
      ) : null}
      {!canManage ? <ManagersOnly what="MISP feeds" /> : null}
      {deletion.dialog}
      {editing ? <FeedForm feed={editing === 'new' ? null : editing} onClose={() => setEditing(null)} /> : null}
    </Page>
  );
}
