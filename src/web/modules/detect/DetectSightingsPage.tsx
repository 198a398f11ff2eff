import { Anchor, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, call, type OrgKind } from '../../api';
import { Empty } from '../../components/Empty';
import { ErrorAlert } from '../../components/ErrorAlert';
import { fmtDateTime, plural } from '../../components/format';
import { Loading } from '../../components/Loading';
import { Page } from '../../components/Page';
import { SortHeader } from '../../components/SortHeader';
import { KIND_LABELS } from '../directory/labels';
import { objectPath, useLiveEvents } from '../intel/intel';
import { indicatorName, stateName, useStateNames, type Sighting } from './detect';
import { kindLabel } from './parts';
import './detect.css';

/** "12 counties and 2 state offices" — who saw it, in the words officials use. */
export function whoSaw(s: Sighting): string {
  const byKind = new Map<string, number>();
  for (const o of s.byOrganisation) byKind.set(o.kind ?? 'other', (byKind.get(o.kind ?? 'other') ?? 0) + 1);
  const parts: string[] = [];
  const counties = byKind.get('local_election_office') ?? 0;
  const states = byKind.get('state_election_office') ?? 0;
  if (counties) parts.push(plural(counties, 'county', 'counties'));
  if (states) parts.push(plural(states, 'state office'));
  const others = s.organisations - counties - states;
  if (others > 0) parts.push(plural(others, counties || states ? 'other organisation' : 'organisation'));
  return parts.length ? `Seen in ${parts.join(' and ').replace(/ and (?=.* and )/g, ', ')}` : `Seen by ${plural(s.organisations, 'organisation')}`;
}

const SORTS: Record<string, (a: Sighting, b: Sighting) => number> = {
  organisations: (a, b) => a.organisations - b.organisations || a.count - b.count,
  states: (a, b) => a.states.length - b.states.length || a.organisations - b.organisations,
  count: (a, b) => a.count - b.count,
  lastSeen: (a, b) => a.lastSeen.localeCompare(b.lastSeen),
  indicator: (a, b) => nameOf(b).localeCompare(nameOf(a)),
};
const nameOf = (s: Sighting) => indicatorName({ id: s.indicatorId, name: s.indicator.name, pattern: s.indicator.pattern });
const TOP = 10;

/** A plain SVG bar chart of the most widely sighted indicators; the table below carries the same numbers. */
function TopChart({ items }: { items: Sighting[] }) {
  const top = [...items].sort((a, b) => b.organisations - a.organisations || b.count - a.count).slice(0, TOP);
  if (!top.length) return null;
  const max = Math.max(...top.map((s) => s.organisations));
  const rowH = 30;
  const labelW = 300;
  const barW = 420;
  const width = labelW + barW + 60;
  const height = top.length * rowH + 8;
  const clip = (t: string) => (t.length > 42 ? `${t.slice(0, 41)}…` : t);
  const summary = top
    .slice(0, 3)
    .map((s) => `${nameOf(s)}: ${plural(s.organisations, 'organisation')}`)
    .join('; ');
  return (
    <Paper withBorder p="lg" radius="md" component="figure" m={0} aria-labelledby="chart-title">
      <Title order={2} fz="lg" id="chart-title" mb={4}>
        Most widely seen indicators
      </Title>
      <Text fz="sm" c="dimmed" mb="sm" component="figcaption">
        Number of organisations that saw each indicator{items.length > TOP ? ` (the ${TOP} most widely seen)` : ''}. The table below has the same figures.
      </Text>
      <div style={{ overflowX: 'auto' }}>
        <svg className="detect-chart" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`Bar chart of the most widely seen indicators. ${summary}.`}>
          {top.map((s, i) => {
            const y = i * rowH + 4;
            const w = Math.max(2, (s.organisations / max) * barW);
            return (
              <g key={s.indicatorId}>
                <text x={labelW - 8} y={y + rowH / 2} textAnchor="end" dominantBaseline="middle" fontSize="13" fill="#1d2633">
                  {clip(nameOf(s))}
                </text>
                <rect x={labelW} y={y + 4} width={w} height={rowH - 10} rx="3" fill="#264f9e" />
                <text x={labelW + w + 6} y={y + rowH / 2} dominantBaseline="middle" fontSize="13" fontWeight="700" fill="#1d2633">
                  {s.organisations}
                </text>
              </g>
            );
          })}
        </svg>
      </div>
    </Paper>
  );
}

/** Hub view: per indicator, how many organisations and which states saw it. */
export function DetectSightingsPage() {
  const [params, setParams] = useSearchParams();
  const sort = params.get('sort') ?? '-organisations';
  const [open, setOpen] = useState<string | null>(null);
  const names = useStateNames();
  const list = useQuery({ queryKey: ['detect', 'sightings', 'all'], queryFn: () => call(api.GET('/api/detect/sightings', { params: { query: { limit: 1000 } } })) });
  useLiveEvents(['detect.run.completed', 'detect.retrohunt.hit'], () => void list.refetch());
  const field = sort.replace(/^-/, '');
  const cmp = SORTS[field] ?? SORTS.organisations!;
  const items = [...(list.data?.items ?? [])].sort((a, b) => (sort.startsWith('-') ? cmp(b, a) : cmp(a, b)));
  const onSort = (s: string) => setParams(new URLSearchParams({ sort: s }), { replace: true });

  return (
    <Page
      title="Sightings across organisations"
      crumbs={[{ label: 'Election infrastructure', to: '/infrastructure' }]}
      lead="Which shared indicators organisations have found in their own logs, and how widely. An indicator seen in many places is likely part of an active campaign. Only sightings shared with your organisation are counted."
    >
      {list.error ? <ErrorAlert error={list.error} title="Could not load sightings" /> : null}
      {list.isPending ? <Loading label="Loading sightings" /> : null}
      {list.data && !items.length ? <Empty title="No sightings yet">When an organisation finds a shared indicator in its logs and shares the sighting with you, it appears here.</Empty> : null}
      {items.length ? (
        <>
          <TopChart items={items} />
          <Paper withBorder p="md" radius="md" component="section" aria-labelledby="sightings-table-title">
            <Title order={2} fz="lg" id="sightings-table-title" mb="xs">
              All sighted indicators ({items.length.toLocaleString()})
            </Title>
            <Table.ScrollContainer minWidth={900}>
              <Table verticalSpacing="sm" fz="sm" data-testid="sightings-table">
                <Table.Thead>
                  <Table.Tr>
                    <SortHeader label="Indicator" field="indicator" sort={sort} onSort={onSort} />
                    <SortHeader label="Organisations" field="organisations" sort={sort} onSort={onSort} w={140} />
                    <SortHeader label="States" field="states" sort={sort} onSort={onSort} w={220} />
                    <SortHeader label="Lines seen" field="count" sort={sort} onSort={onSort} w={120} />
                    <SortHeader label="Last seen" field="lastSeen" sort={sort} onSort={onSort} w={170} />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {items.map((s) => {
                    const expanded = open === s.indicatorId;
                    const detailId = `orgs-${s.indicatorId.replace(/[^a-z0-9-]/gi, '')}`;
                    return (
                      <Fragment key={s.indicatorId}>
                        <Table.Tr data-testid="sighting-row">
                          <Table.Td>
                            <Anchor component={Link} to={objectPath(s.indicatorId)} fw={600} style={{ wordBreak: 'break-word' }}>
                              {nameOf(s)}
                            </Anchor>
                            {s.indicator.pattern && s.indicator.name ? (
                              <Text fz="xs" c="dimmed" className="mono" style={{ wordBreak: 'break-all' }}>
                                {s.indicator.pattern}
                              </Text>
                            ) : null}
                            <Text fz="xs" mt={2} data-testid="who-saw">
                              {whoSaw(s)}
                            </Text>
                          </Table.Td>
                          <Table.Td>
                            <Text fw={700}>{s.organisations.toLocaleString()}</Text>
                            <button type="button" className="link-button" aria-expanded={expanded} aria-controls={detailId} onClick={() => setOpen(expanded ? null : s.indicatorId)}>
                              {expanded ? 'Hide' : 'Show'} who
                              <span className="visually-hidden"> saw {nameOf(s)}</span>
                            </button>
                          </Table.Td>
                          <Table.Td>{s.states.length ? s.states.map((f) => stateName(names.data, f)).join(', ') : '—'}</Table.Td>
                          <Table.Td>{s.count.toLocaleString()}</Table.Td>
                          <Table.Td className="nowrap">{fmtDateTime(s.lastSeen)}</Table.Td>
                        </Table.Tr>
                        {expanded ? (
                          <Table.Tr>
                            <Table.Td colSpan={5} bg="#f7f9fc">
                              <Stack gap={4} id={detailId}>
                                <Text fz="sm" fw={600}>
                                  Organisations that saw it (first seen {fmtDateTime(s.firstSeen)})
                                </Text>
                                <ul className="detect-files">
                                  {s.byOrganisation.map((o) => (
                                    <li key={o.orgId}>
                                      <Anchor underline="always" component={Link} to={`/directory/organisations/${o.orgId}`} fz="sm">
                                        {o.name ?? 'An organisation'}
                                      </Anchor>{' '}
                                      · {o.kind ? (KIND_LABELS[o.kind as OrgKind] ?? kindLabel(o.kind)) : 'organisation'}
                                      {o.state ? ` · ${stateName(names.data, o.state)}` : ''} · {plural(o.count, 'line')} · last {fmtDateTime(o.lastSeen)}
                                    </li>
                                  ))}
                                </ul>
                              </Stack>
                            </Table.Td>
                          </Table.Tr>
                        ) : null}
                      </Fragment>
                    );
                  })}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Paper>
        </>
      ) : null}
    </Page>
  );
}
