import { Anchor, Button, Group, Paper, Stack, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api, ApiError, call } from '../../api';
import { Empty } from '../../components/Empty';
import { ErrorAlert } from '../../components/ErrorAlert';
import { fmtDateTime } from '../../components/format';
import { Loading } from '../../components/Loading';
import { Page } from '../../components/Page';
import { TlpBadge } from '../../components/TlpBadge';
import {
  ACTIVITY_LABELS, ESCALATION_FIELDS, FUNCTIONAL_LABELS, INFORMATION_LABELS, PHASE_LABELS, PRIORITY_LABELS, RECOVERY_LABELS, STATUS_LABELS, stateName, SYSTEM_LABELS, TYPE_LABELS,
  VECTOR_LABELS,
} from './incidents';

export const ESCALATIONS_BASE = '/infrastructure/incidents/escalations';
const crumbs = [
  { label: 'Election infrastructure', to: '/infrastructure' },
  { label: 'Incidents', to: '/infrastructure/incidents' },
];

const VALUE_LABELS: Record<string, Record<string, string>> = {
  incidentType: TYPE_LABELS, electionSystems: SYSTEM_LABELS, electionPhase: PHASE_LABELS, functionalImpact: FUNCTIONAL_LABELS, informationImpact: INFORMATION_LABELS,
  recoverability: RECOVERY_LABELS, attackVector: VECTOR_LABELS, observedActivity: ACTIVITY_LABELS, priority: PRIORITY_LABELS, status: STATUS_LABELS,
};
/** One shared detail, in words. */
function valueText(field: string, v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (field === 'jurisdictionFips') return stateName(String(v));
  if (field === 'detectedAt') return fmtDateTime(String(v));
  const words = (x: unknown) => VALUE_LABELS[field]?.[String(x)] ?? String(x);
  return Array.isArray(v) ? v.map(words).join(', ') : words(v);
}

/**
 * What partners (a state, a federal partner, law enforcement) receive: the sanitised versions of
 * incidents the hub escalated to them, with the reporting office's consent — never the original report.
 */
export function EscalationPage() {
  const { escId } = useParams();
  return escId ? <EscalationOne id={escId} /> : <EscalationList />;
}

function EscalationList() {
  const list = useQuery({ queryKey: ['escalations'], queryFn: () => call(api.GET('/api/incidents/escalations')) });
  return (
    <Page title="Escalated to you" crumbs={crumbs} lead="Sanitised summaries of incidents the hub escalated to your organisation, with the reporting office's consent.">
      <ErrorAlert error={list.error} title="Could not load escalations" />
      {list.isPending ? <Loading label="Loading escalations" /> : null}
      {list.data && !list.data.items.length ? <Empty title="Nothing escalated to you">When the hub escalates an incident to your organisation, its summary appears here.</Empty> : null}
      {list.data?.items.length ? (
        <Paper withBorder radius="md">
          <Table verticalSpacing="sm" horizontalSpacing="md" fz="sm" data-testid="escalation-list">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Summary</Table.Th>
                <Table.Th>Marking</Table.Th>
                <Table.Th>Sent</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.items.map((e) => (
                <Table.Tr key={e.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`${ESCALATIONS_BASE}/${e.id}`} fw={600}>
                      {e.title}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <TlpBadge tlp={e.sharing.tlp} />
                  </Table.Td>
                  <Table.Td className="nowrap">{fmtDateTime(e.createdAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      ) : null}
    </Page>
  );
}

function EscalationOne({ id }: { id: string }) {
  const q = useQuery({
    queryKey: ['escalation', id],
    queryFn: () => call(api.GET('/api/incidents/escalations/{id}', { params: { path: { id } } })),
    retry: (n, e) => !(e instanceof ApiError && e.status < 500) && n < 2,
  });
  const back = (
    <Button variant="default" component={Link} to={ESCALATIONS_BASE} w="fit-content">
      All escalations
    </Button>
  );
  if (q.error) {
    const missing = q.error instanceof ApiError && (q.error.status === 404 || q.error.status === 400);
    return (
      <Page title={missing ? 'Escalation not found' : 'Could not open the escalation'} crumbs={crumbs}>
        {missing ? <Text>This escalation does not exist, or it was not sent to your organisation.</Text> : <ErrorAlert error={q.error} />}
        {back}
      </Page>
    );
  }
  if (!q.data) return <Loading label="Loading the escalation" />;
  const e = q.data;
  const shown = ESCALATION_FIELDS.filter((f) => f.value in e.fields);
  return (
    <Page
      title={e.title}
      crumbs={[...crumbs, { label: 'Escalated to you', to: ESCALATIONS_BASE }]}
      lead={
        <Group gap={8} component="span" wrap="wrap">
          <TlpBadge tlp={e.sharing.tlp} />
          <span>Escalated by the hub {fmtDateTime(e.createdAt)}, with the reporting office’s consent</span>
        </Group>
      }
    >
      <Paper withBorder p="md" radius="md" component="section" aria-labelledby="esc-summary">
        <Stack gap="sm">
          <Text fw={700} id="esc-summary">
            Summary
          </Text>
          <Text style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }} data-testid="escalation-summary">
            {e.summary}
          </Text>
          {shown.length ? (
            <Table fz="sm" data-testid="escalation-fields" withRowBorders={false}>
              <Table.Tbody>
                {shown.map((f) => (
                  <Table.Tr key={f.value}>
                    <Table.Th scope="row" w={220}>
                      {f.label}
                    </Table.Th>
                    <Table.Td>{valueText(f.value, e.fields[f.value])}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          ) : null}
        </Stack>
      </Paper>
      {back}
    </Page>
  );
}
