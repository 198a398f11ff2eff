import { Alert as Notice, Anchor, Button, Group, List, Paper, Radio, SimpleGrid, Stack, Table, Text, Title, Typography } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, ApiError, call } from '../../api';
import { useAnnounce } from '../../components/Announcer';
import { ErrorAlert } from '../../components/ErrorAlert';
import { fmtDateTime } from '../../components/format';
import { Loading } from '../../components/Loading';
import { Page } from '../../components/Page';
import { TlpBadge } from '../../components/TlpBadge';
import { useCurrentMe } from '../../session';
import { objectPath } from '../intel/intel';
import { TLP_MEANING } from '../intel/intel';
import { stateName } from '../incidents/incidents';
import { ACK_LABELS, ACK_MEANING, ACTION_LABELS, ALERTS_BASE, allowedActions, canManage, needsApproval, STATUS_LABELS, type AckStatus, type Action, type Alert } from './alerts';
import { LevelBadge, ProgressBar, StatusTag } from './parts';

const crumbs = [
  { label: 'Warning & response', to: '/warning' },
  { label: 'Alerts', to: ALERTS_BASE },
];

function explain(e: unknown): string {
  if (!(e instanceof ApiError)) return e instanceof Error ? e.message : String(e);
  if (e.status === 403) return `Not allowed: ${e.message}`;
  if (e.status === 409) return `Not possible now: ${e.message}`;
  return e.message;
}

function Acknowledge({ alert }: { alert: Alert }) {
  const announce = useAnnounce();
  const qc = useQueryClient();
  const mine = alert.myAcknowledgement;
  const [status, setStatus] = useState<AckStatus>(mine?.status ?? 'received');
  const m = useMutation({
    mutationFn: (s: AckStatus) => call(api.POST('/api/alerts/{id}/ack', { params: { path: { id: alert.id } }, body: { status: s } })),
    onSuccess: async (_r, s) => {
      announce(`Acknowledged as ${ACK_LABELS[s]}`);
      await qc.invalidateQueries({ queryKey: ['alert', alert.id] });
    },
  });
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="ack-h">
      <Title order={2} fz="lg" id="ack-h" mb="xs">
        Acknowledge
      </Title>
      <Text fz="sm" c="dimmed" mb="sm">
        Tell {alert.authorName || 'the sender'} this reached you. You can change your answer later.
      </Text>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          m.mutate(status);
        }}
      >
        <Radio.Group label="Your answer" value={status} onChange={(v) => setStatus(v as AckStatus)}>
          <Stack gap={6} mt="xs">
            {(Object.keys(ACK_LABELS) as AckStatus[]).map((s) => (
              <Radio key={s} value={s} label={`${ACK_LABELS[s]}: ${ACK_MEANING[s]}`} />
            ))}
          </Stack>
        </Radio.Group>
        <Group mt="md">
          <Button type="submit" loading={m.isPending}>
            Acknowledge
          </Button>
          <Text data-testid="ack-state" fw={600}>
            {mine ? `You acknowledged: ${ACK_LABELS[mine.status]}` : 'You have not acknowledged it yet.'}
          </Text>
        </Group>
      </form>
      {m.error ? <Text c="red.8" role="alert" mt="sm">{explain(m.error)}</Text> : null}
    </Paper>
  );
}

function Workflow({ alert }: { alert: Alert }) {
  const me = useCurrentMe();
  const qc = useQueryClient();
  const announce = useAnnounce();
  const actions = allowedActions(me, alert);
  const m = useMutation({
    mutationFn: (a: Action) => call(api.POST(`/api/alerts/{id}/${a}`, { params: { path: { id: alert.id } }, body: { note: '' } })),
    onSuccess: async (r) => {
      qc.setQueryData(['alert', alert.id], r);
      await qc.invalidateQueries({ queryKey: ['alerts'] });
      announce(`The alert is now ${STATUS_LABELS[r.status].toLowerCase()}${r.status === 'review' && r.approvedBy ? ' and approved' : ''}`);
    },
  });
  if (!canManage(me, alert)) return null;
  const author = alert.createdBy === me.id;
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="wf-h">
      <Title order={2} fz="lg" id="wf-h" mb="xs">
        Workflow
      </Title>
      <Text fz="sm" mb="sm" data-testid="workflow-state">
        {STATUS_LABELS[alert.status]}
        {alert.status === 'review' ? (alert.approvedBy ? ' · approved by a second analyst' : needsApproval(alert.level) ? ` · a ${alert.level} alert needs a second analyst’s approval before it is published` : '') : ''}
      </Text>
      {alert.status === 'review' && author && !alert.approvedBy && needsApproval(alert.level) ? (
        <Notice variant="light" color="yellow" title="Waiting for a second analyst" mb="sm" data-testid="author-cannot-approve">
          You wrote this alert, so you cannot approve it. Another analyst must approve it before it is published.
        </Notice>
      ) : null}
      <Group gap="sm">
        {actions.map((a) => (
          <Button key={a} variant={a === 'publish' || a === 'approve' ? 'filled' : 'light'} color={a === 'withdraw' ? 'red' : undefined} onClick={() => m.mutate(a)} loading={m.isPending && m.variables === a}>
            {ACTION_LABELS[a]}
          </Button>
        ))}
        {alert.status !== 'withdrawn' ? (
          <Button component={Link} to={`${ALERTS_BASE}/${alert.id}/edit`} variant="default">
            Edit{alert.status === 'published' ? ' (makes a new revision)' : ''}
          </Button>
        ) : null}
      </Group>
      {m.error ? <Text c="red.8" role="alert" mt="sm">{explain(m.error)}</Text> : null}
    </Paper>
  );
}

function Progress({ alert }: { alert: Alert }) {
  const q = useQuery({ queryKey: ['alert', alert.id, 'acks'], queryFn: () => call(api.GET('/api/alerts/{id}/acks', { params: { path: { id: alert.id } } })) });
  const orgs = useQuery({
    queryKey: ['alert', alert.id, 'ack-orgs', q.data?.byOrganisation.map((o) => o.orgId).join(',')],
    enabled: !!q.data?.byOrganisation.length,
    queryFn: async () => {
      const out: Record<string, string> = {};
      await Promise.all((q.data?.byOrganisation ?? []).slice(0, 50).map(async (o) => {
        const r = await api.GET('/api/organisations/{id}', { params: { path: { id: o.orgId } } });
        if (r.data) out[o.orgId] = r.data.name;
      }));
      return out;
    },
  });
  const d = q.data;
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="prog-h">
      <Title order={2} fz="lg" id="prog-h" mb="xs">
        Acknowledgements
      </Title>
      <ErrorAlert error={q.error} />
      {q.isPending ? <Loading /> : d ? (
        <Stack gap="sm">
          <Text data-testid="ack-summary">
            {d.acknowledged.organisations} of {d.recipients.organisations} organisations acknowledged ({d.acknowledged.people} of {d.recipients.people} people)
          </Text>
          <ProgressBar done={d.acknowledged.organisations} total={d.recipients.organisations} label="Organisations acknowledged" />
          <Text fz="sm" c="dimmed">
            {(Object.keys(ACK_LABELS) as AckStatus[]).map((s) => `${ACK_LABELS[s]}: ${d.byStatus[s] ?? 0}`).join(' · ')}
          </Text>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Table>
              <caption style={{ textAlign: 'left', fontWeight: 600 }}>By state</caption>
              <Table.Thead><Table.Tr><Table.Th>State</Table.Th><Table.Th>Acknowledged</Table.Th></Table.Tr></Table.Thead>
              <Table.Tbody>
                {d.byState.map((s) => (
                  <Table.Tr key={s.stateFips ?? 'none'}>
                    <Table.Td>{s.stateFips ? stateName(s.stateFips) : 'No state'}</Table.Td>
                    <Table.Td>{s.acknowledgedOrganisations} of {s.organisations}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Table>
              <caption style={{ textAlign: 'left', fontWeight: 600 }}>By organisation</caption>
              <Table.Thead><Table.Tr><Table.Th>Organisation</Table.Th><Table.Th>People acknowledged</Table.Th></Table.Tr></Table.Thead>
              <Table.Tbody>
                {d.byOrganisation.map((o) => (
                  <Table.Tr key={o.orgId}>
                    <Table.Td>
                      <Anchor component={Link} to={`/directory/organisations/${o.orgId}`}>{orgs.data?.[o.orgId] ?? 'Organisation'}</Anchor>
                      {o.escalatedAt ? <Text fz="xs" c="dimmed">Escalated to 24x7 contacts {fmtDateTime(o.escalatedAt)}</Text> : null}
                    </Table.Td>
                    <Table.Td>{o.acknowledged} of {o.people}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </SimpleGrid>
        </Stack>
      ) : null}
    </Paper>
  );
}

function Revisions({ alert }: { alert: Alert }) {
  const q = useQuery({ queryKey: ['alert', alert.id, 'revisions', alert.revision], queryFn: () => call(api.GET('/api/alerts/{id}/revisions', { params: { path: { id: alert.id } } })) });
  if (!q.data?.items.length) return null;
  return (
    <section aria-labelledby="rev-h">
      <Title order={2} fz="lg" id="rev-h" mb="xs">Revisions</Title>
      <List>
        {q.data.items.map((r) => (
          <List.Item key={r.revision}>
            {r.revision === 1 ? 'First published' : `Revision ${r.revision}`} {fmtDateTime(r.publishedAt)}
            {r.note ? `: ${r.note}` : ''}
          </List.Item>
        ))}
      </List>
    </section>
  );
}

export function AlertPage() {
  const { id = '' } = useParams();
  const me = useCurrentMe();
  const q = useQuery({ queryKey: ['alert', id], queryFn: () => call(api.GET('/api/alerts/{id}', { params: { path: { id } } })), retry: false });
  if (q.isPending) return <Page title="Alert" crumbs={crumbs}><Loading label="Loading the alert" /></Page>;
  if (q.error) {
    const notFound = q.error instanceof ApiError && (q.error.status === 404 || q.error.status === 400);
    return (
      <Page title={notFound ? 'Alert not found' : 'Alert could not be loaded'} crumbs={crumbs}>
        {notFound ? <Text>This alert does not exist, or it has not been shared with your organisation.</Text> : <ErrorAlert error={q.error} />}
        <Anchor component={Link} to={ALERTS_BASE}>Back to alerts</Anchor>
      </Page>
    );
  }
  const a = q.data;
  const manage = canManage(me, a);
  return (
    <Page title={a.title} crumbs={crumbs} lead={a.summary || undefined}>
      <Group gap="sm" data-testid="alert-meta">
        <Text fw={600}>{a.number}</Text>
        <LevelBadge level={a.level} />
        <TlpBadge tlp={a.tlp} />
        <StatusTag status={a.status} expired={a.expired} />
        <Text fz="sm" c="dimmed">
          {a.kind === 'alert' ? 'Alert' : 'Advisory'} from {a.authorName || 'an analyst'}
          {a.publishedAt ? ` · published ${fmtDateTime(a.publishedAt)}` : ''}
          {a.expiresAt ? ` · expires ${fmtDateTime(a.expiresAt)}` : ''}
        </Text>
      </Group>
      <Text fz="sm" c="dimmed">TLP:{a.tlp}: {TLP_MEANING[a.tlp]}</Text>
      {a.status === 'withdrawn' ? <Notice color="gray" title="Withdrawn">This alert was withdrawn by its authors. It is kept for the record.</Notice> : null}
      {manage ? <Workflow alert={a} /> : null}
      {a.status === 'published' && !a.expired ? <Acknowledge alert={a} /> : null}
      {a.bodyHtml ? (
        <section aria-label="Details">
          {/* bodyHtml is rendered and sanitised by the server (allow-list, no images, no scripts). */}
          <Typography>
            <div data-testid="alert-body" dangerouslySetInnerHTML={{ __html: a.bodyHtml }} />
          </Typography>
        </section>
      ) : null}
      {a.recommendedActions.length ? (
        <section aria-labelledby="ra-h">
          <Title order={2} fz="lg" id="ra-h" mb="xs">Recommended actions</Title>
          <List type="ordered">{a.recommendedActions.map((r) => <List.Item key={r}>{r}</List.Item>)}</List>
        </section>
      ) : null}
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <section aria-labelledby="aff-h">
          <Title order={2} fz="lg" id="aff-h" mb="xs">Who is affected</Title>
          <Text><b>Jurisdictions:</b> {a.affectedJurisdictions.length ? a.affectedJurisdictions.map((f) => (f.length === 2 ? stateName(f) : `${stateName(f)} (county ${f})`)).join(', ') : 'Not limited to particular jurisdictions'}</Text>
          <Text><b>Sectors:</b> {a.affectedSectors.length ? a.affectedSectors.join(', ') : '—'}</Text>
          {a.affectedProducts.length ? <Text><b>Products:</b> {a.affectedProducts.join(', ')}</Text> : null}
        </section>
        {a.stixRefs.length ? (
          <section aria-labelledby="intel-h">
            <Title order={2} fz="lg" id="intel-h" mb="xs">Linked threat intel</Title>
            <List>{a.stixRefs.map((r) => <List.Item key={r}><Anchor component={Link} to={objectPath(r)} className="mono" style={{ wordBreak: 'break-all' }}>{r}</Anchor></List.Item>)}</List>
          </section>
        ) : null}
      </SimpleGrid>
      {a.technicalDetails ? (
        <section aria-labelledby="td-h">
          <Title order={2} fz="lg" id="td-h" mb="xs">Technical details</Title>
          <Text style={{ whiteSpace: 'pre-wrap' }}>{a.technicalDetails}</Text>
        </section>
      ) : null}
      {a.references.length ? (
        <section aria-labelledby="ref-h">
          <Title order={2} fz="lg" id="ref-h" mb="xs">References</Title>
          <List>{a.references.map((r) => <List.Item key={r}><Anchor href={r} rel="noopener noreferrer" target="_blank">{r}</Anchor></List.Item>)}</List>
        </section>
      ) : null}
      <Revisions alert={a} />
      {manage && a.status !== 'draft' && a.status !== 'review' ? <Progress alert={a} /> : null}
    </Page>
  );
}
