import { Anchor, Button, Group, Paper, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { api, call } from '../../api';
import { useAnnounce } from '../../components/Announcer';
import { Empty } from '../../components/Empty';
import { ErrorAlert } from '../../components/ErrorAlert';
import { fmtDateTime, plural } from '../../components/format';
import { Loading } from '../../components/Loading';
import { Page } from '../../components/Page';
import { TlpBadge } from '../../components/TlpBadge';
import { useCurrentMe } from '../../session';
import { ALERTS_BASE, alertPath, isAnalyst, LEVELS, STATUS_LABELS, type Level, type Status } from './alerts';
import { LevelBadge, StatusTag } from './parts';

export function useUnreadCount() {
  return useQuery({
    queryKey: ['notifications', 'unread'],
    queryFn: async () => (await call(api.GET('/api/notifications', { params: { query: { unread: 'true', limit: 200 } } }))).items.length,
    staleTime: 30_000,
  });
}

function Notifications() {
  const qc = useQueryClient();
  const announce = useAnnounce();
  const q = useQuery({ queryKey: ['notifications', 'list'], queryFn: async () => (await call(api.GET('/api/notifications', { params: { query: { unread: 'false', limit: 20 } } }))).items });
  const readAll = useMutation({
    mutationFn: () => call(api.POST('/api/notifications/read', { body: { all: true } })),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: ['notifications'] });
      announce('All notifications marked read');
    },
  });
  const items = q.data ?? [];
  const unread = items.filter((n) => !n.readAt).length;
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="notif-h">
      <Group justify="space-between" mb="xs">
        <Title order={2} fz="lg" id="notif-h">
          My notifications {unread ? <Text span c="dimmed" fz="sm">({unread} unread)</Text> : null}
        </Title>
        {unread ? (
          <Button variant="light" size="xs" onClick={() => readAll.mutate()} loading={readAll.isPending}>
            Mark all read
          </Button>
        ) : null}
      </Group>
      <ErrorAlert error={q.error ?? readAll.error} />
      {q.isPending ? <Loading /> : items.length === 0 ? <Text c="dimmed">No notifications yet. Alerts sent to you appear here.</Text> : (
        <Stack gap={6} component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
          {items.map((n) => (
            <Group component="li" key={n.id} gap="sm" wrap="nowrap">
              <LevelBadge level={n.level} />
              <Anchor component={Link} to={alertPath(n.alertId)} fw={n.readAt ? 400 : 700}>
                {n.number}: {n.title}
              </Anchor>
              <Text fz="xs" c="dimmed">
                {n.revision > 1 ? `update ${n.revision - 1} · ` : ''}
                {fmtDateTime(n.createdAt)}
                {n.readAt ? '' : ' · unread'}
              </Text>
            </Group>
          ))}
        </Stack>
      )}
    </Paper>
  );
}

export function AlertListPage() {
  const me = useCurrentMe();
  const [sp, setSp] = useSearchParams();
  const status = (sp.get('status') as Status | null) ?? undefined;
  const level = (sp.get('level') as Level | null) ?? undefined;
  const active = sp.get('active') === 'false' ? undefined : 'true';
  const set = (k: string, v: string | null) => {
    const n = new URLSearchParams(sp);
    if (v) n.set(k, v);
    else n.delete(k);
    setSp(n);
  };
  const q = useQuery({
    queryKey: ['alerts', { status, level, active }],
    queryFn: () => call(api.GET('/api/alerts', { params: { query: { status, level, active, limit: 100 } } })),
  });
  const filtered = !!(status || level || !active);
  return (
    <Page
      title="Alerts and advisories"
      lead="Warnings shared with your organisation, most recent first. Open one to read it and acknowledge it."
      crumbs={[{ label: 'Warning & response', to: '/warning' }]}
      actions={isAnalyst(me) ? <Button component={Link} to={`${ALERTS_BASE}/new`}>Draft an alert</Button> : undefined}
    >
      <Notifications />
      <Group gap="md" align="flex-end" role="search" aria-label="Filter alerts">
        <Select label="Level" placeholder="Any level" data={LEVELS} value={level ?? null} onChange={(v) => set('level', v)} clearable w={180} />
        <Select label="Status" placeholder="Any status" data={(Object.keys(STATUS_LABELS) as Status[]).map((s) => ({ value: s, label: STATUS_LABELS[s] }))} value={status ?? null} onChange={(v) => set('status', v)} clearable w={180} />
        <Select label="Show" data={[{ value: 'true', label: 'Active only' }, { value: 'false', label: 'Include expired' }]} value={active ? 'true' : 'false'} onChange={(v) => set('active', v === 'false' ? 'false' : null)} allowDeselect={false} w={180} />
      </Group>
      <ErrorAlert error={q.error} title="Alerts could not be loaded" />
      {q.isPending ? <Loading label="Loading alerts" /> : q.data && q.data.items.length === 0 ? (
        <Empty title={filtered ? 'No alerts match these filters' : 'No active alerts'}>
          {filtered ? 'Clear a filter to see more.' : 'Nothing has been shared with your organisation right now. New alerts appear here and in your notifications.'}
        </Empty>
      ) : q.data ? (
        <>
          <Text data-testid="alert-count" fz="sm" c="dimmed">
            {plural(q.data.total, 'alert')}
          </Text>
          <Table striped highlightOnHover data-testid="alert-list">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Alert</Table.Th>
                <Table.Th>Level</Table.Th>
                <Table.Th>Sharing</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Published</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {q.data.items.map((a) => (
                <Table.Tr key={a.id}>
                  <Table.Td>
                    <Anchor component={Link} to={alertPath(a.id)} fw={600}>
                      {a.title}
                    </Anchor>
                    <Text fz="xs" c="dimmed">
                      {a.number} · {a.kind === 'alert' ? 'Alert' : 'Advisory'}
                      {a.revision > 1 ? ` · revised ${a.revision - 1}×` : ''}
                    </Text>
                  </Table.Td>
                  <Table.Td><LevelBadge level={a.level} /></Table.Td>
                  <Table.Td><TlpBadge tlp={a.tlp} /></Table.Td>
                  <Table.Td><StatusTag status={a.status} expired={a.expired} /></Table.Td>
                  <Table.Td>{fmtDateTime(a.publishedAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </>
      ) : null}
    </Page>
  );
}
