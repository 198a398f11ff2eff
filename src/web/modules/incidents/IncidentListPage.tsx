import { Anchor, Button, Group, Pagination, Paper, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, call } from '../../api';
import { Empty } from '../../components/Empty';
import { ErrorAlert } from '../../components/ErrorAlert';
import { fmtDateTime } from '../../components/format';
import { Loading } from '../../components/Loading';
import { Page } from '../../components/Page';
import { SortHeader } from '../../components/SortHeader';
import { TlpBadge } from '../../components/TlpBadge';
import { incidentPath, options, PHASES, PHASE_LABELS, PRIORITIES, queryString, reportPath, STATE_OPTIONS, stateName, STATUS_OPTIONS, SYSTEM_LABELS, TYPES, TYPE_LABELS, type ListQuery } from './incidents';
import { DeadlineClock, PriorityPill, StatusPill } from './parts';

const PAGE_SIZE = 25;
const FILTERS = ['status', 'priority', 'incidentType', 'state', 'electionPhase'] as const;
type Sort = NonNullable<ListQuery['sort']>;
const DEFAULT_SORT: Sort = '-reported';
/** What the table's caption says each order is. */
const SORT_WORDS: Record<string, string> = {
  reported: 'report', updated: 'change', priority: 'priority', status: 'status', sla: 'SLA deadline',
};
const isSort = (s: string | null): s is Sort => !!s && /^-?(reported|updated|priority|status|sla)$/.test(s);
type FilterKey = (typeof FILTERS)[number];

/** Incidents the person may see: search, filters in the URL, the server's paging, triage clocks. */
export function IncidentListPage() {
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const [text, setText] = useState(q);
  const page = Math.max(1, Number(params.get('page')) || 1);
  const sortParam = params.get('sort');
  const sort: Sort = isSort(sortParam) ? sortParam : DEFAULT_SORT;
  const filters = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) ?? ''])) as Record<FilterKey, string>;
  const filtered = !!q || FILTERS.some((k) => filters[k]);

  const query: ListQuery = {
    q: q || undefined,
    status: (filters.status || undefined) as ListQuery['status'],
    priority: (filters.priority || undefined) as ListQuery['priority'],
    incidentType: (filters.incidentType || undefined) as ListQuery['incidentType'],
    state: filters.state || undefined,
    electionPhase: (filters.electionPhase || undefined) as ListQuery['electionPhase'],
    sort,
    page,
    pageSize: PAGE_SIZE,
  };
  const list = useQuery({ queryKey: ['incidents', 'list', query], queryFn: () => call(api.GET('/api/incidents', { params: { query } })), placeholderData: keepPreviousData });
  const drafts = useQuery({ queryKey: ['incidents', 'drafts'], queryFn: () => call(api.GET('/api/incidents', { params: { query: { drafts: 'true', pageSize: 10 } } })) });

  const set = (changes: Record<string, string | null>) => {
    const next = Object.fromEntries([...params.entries()]);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next[k] = v;
      else delete next[k];
    }
    if (!('page' in changes)) delete next.page;
    setParams(new URLSearchParams(queryString(next).slice(1)), { replace: !('page' in changes) });
  };
  // The order is in the URL (shareable); the default order leaves no parameter.
  const onSort = (s: string) => set({ sort: s === DEFAULT_SORT ? null : s });
  const search = (e: FormEvent) => {
    e.preventDefault();
    set({ q: text.trim() || null });
  };
  const clear = () => {
    setText('');
    setParams(new URLSearchParams(sort === DEFAULT_SORT ? {} : { sort }), { replace: true });
  };
  const data = list.data;
  const pages = data ? Math.max(1, Math.ceil(data.total / data.pageSize)) : 1;
  // The server may stop counting (a capped total, "1,000+"): then the pages shown stop there too.
  const capped = !!(data as { totalCapped?: boolean } | undefined)?.totalCapped;
  const count = data ? `${data.total.toLocaleString()}${capped ? '+' : ''} ${data.total === 1 && !capped ? 'incident' : 'incidents'}` : '';

  return (
    <Page
      title="Incidents"
      crumbs={[{ label: 'Election infrastructure', to: '/infrastructure' }]}
      lead="Incidents reported by your office or shared with it. A new report should be triaged by the hub within an hour; choose a column heading to sort by it."
      actions={
        <Button component={Link} to={reportPath()}>
          Report an incident
        </Button>
      }
    >
      {drafts.data?.items.length ? (
        <Paper withBorder p="md" radius="md" component="section" aria-labelledby="drafts-title">
          <Text fw={700} id="drafts-title" mb={6}>
            Your unfinished reports
          </Text>
          <Stack gap={4}>
            {drafts.data.items.map((d) => (
              <Group key={d.id} gap="sm">
                <Anchor component={Link} to={reportPath(d.id)} fw={600}>
                  {d.title.trim() || 'Untitled report'}
                </Anchor>
                <Text fz="sm" c="dimmed">
                  last saved {fmtDateTime(d.updatedAt)} — not sent to anyone yet
                </Text>
              </Group>
            ))}
          </Stack>
        </Paper>
      ) : null}

      <Paper withBorder p="md" radius="md">
        <form role="search" aria-label="Search incidents" onSubmit={search}>
          <Stack gap="sm">
            <Group gap="sm" align="flex-end" wrap="wrap">
              <TextInput label="Search" type="search" placeholder="Words, an IP address, a domain…" value={text} onChange={(e) => setText(e.currentTarget.value)} w={360} />
              <Button type="submit">Search</Button>
              {filtered ? (
                <Button variant="subtle" onClick={clear}>
                  Clear search and filters
                </Button>
              ) : null}
            </Group>
            <Group gap="md" align="flex-end" wrap="wrap">
              <Select label="Status" placeholder="Any status" data={STATUS_OPTIONS} value={filters.status || null} onChange={(v) => set({ status: v })} clearable w={150} />
              <Select label="Priority" placeholder="Any priority" data={options(PRIORITIES)} value={filters.priority || null} onChange={(v) => set({ priority: v })} clearable w={150} />
              <Select label="Kind" placeholder="Any kind" data={options(TYPES)} value={filters.incidentType || null} onChange={(v) => set({ incidentType: v })} clearable w={240} comboboxProps={{ width: 360 }} />
              <Select label="State" placeholder="Any state" data={STATE_OPTIONS} value={filters.state || null} onChange={(v) => set({ state: v })} clearable searchable w={170} />
              <Select label="Election phase" placeholder="Any phase" data={options(PHASES)} value={filters.electionPhase || null} onChange={(v) => set({ electionPhase: v })} clearable w={190} />
            </Group>
          </Stack>
        </form>
      </Paper>

      <div aria-live="polite" aria-atomic="true">
        {data ? (
          <Text fz="sm" c="dimmed" data-testid="result-count">
            {data.total === 0 ? 'No incidents' : `${count}${pages > 1 ? ` — page ${data.page} of ${pages}${capped ? '+' : ''}` : ''}`}
            {filtered ? ' matching the filters' : ''}
            {capped ? '. Narrow the list with the filters to see older ones.' : ''}
          </Text>
        ) : null}
      </div>
      {list.error ? <ErrorAlert error={list.error} title="Could not load incidents" /> : null}
      {list.isPending ? <Loading label="Loading incidents" /> : null}

      {data && data.items.length === 0 ? (
        filtered ? (
          <Empty title="Nothing matches" action={<Button variant="default" onClick={clear}>Clear filters</Button>}>
            Try fewer words or remove a filter. Incidents that were not shared with your office never appear here.
          </Empty>
        ) : (
          <Empty title="No incidents" action={<Button component={Link} to={reportPath()}>Report an incident</Button>}>
            Nothing has been reported by your office or shared with it. If something looks wrong — a strange email, a site that is down, a door forced — report it: it takes a few minutes.
          </Empty>
        )
      ) : null}

      {data?.items.length ? (
        <Paper withBorder radius="md">
          <Table.ScrollContainer minWidth={900}>
            <Table striped highlightOnHover verticalSpacing="sm" horizontalSpacing="md" fz="sm" data-testid="incident-list">
              <caption style={{ position: 'absolute', left: -10000 }}>Incidents, by {SORT_WORDS[sort.replace(/^-/, '')]}, {sort.startsWith('-') ? 'descending' : 'ascending'}</caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Incident</Table.Th>
                  <SortHeader label="Status" field="status" sort={sort} onSort={onSort} />
                  <SortHeader label="Next deadline" field="sla" sort={sort} onSort={onSort} />
                  <SortHeader label="Priority" field="priority" sort={sort} onSort={onSort} />
                  <Table.Th>Election</Table.Th>
                  <SortHeader label="Reported" field="reported" sort={sort} onSort={onSort} />
                  <SortHeader label="Last change" field="updated" sort={sort} onSort={onSort} />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((i) => (
                  <Table.Tr key={i.id}>
                    <Table.Td style={{ minWidth: 260, maxWidth: 380 }}>
                      <Anchor component={Link} to={incidentPath(i.id)} fw={600} style={{ wordBreak: 'break-word' }}>
                        {i.title}
                      </Anchor>
                      <Group gap={6} mt={2}>
                        <TlpBadge tlp={i.tlp} />
                        <Text fz="xs" c="dimmed">
                          #{i.ref}
                          {i.incidentType ? ` · ${TYPE_LABELS[i.incidentType as keyof typeof TYPE_LABELS] ?? i.incidentType}` : ''}
                        </Text>
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <StatusPill status={i.status} />
                    </Table.Td>
                    <Table.Td>
                      <DeadlineClock incident={i} />
                    </Table.Td>
                    <Table.Td>
                      <PriorityPill priority={i.priority} />
                    </Table.Td>
                    <Table.Td>
                      {i.electionSystems.map((s) => SYSTEM_LABELS[s as keyof typeof SYSTEM_LABELS] ?? s).join(', ')}
                      <Text fz="xs" c="dimmed">
                        {[i.electionPhase ? (PHASE_LABELS[i.electionPhase as keyof typeof PHASE_LABELS] ?? i.electionPhase) : null, stateName(i.jurisdictionFips)].filter(Boolean).join(' · ')}
                      </Text>
                    </Table.Td>
                    <Table.Td className="nowrap">{fmtDateTime(i.submittedAt)}</Table.Td>
                    <Table.Td className="nowrap">{fmtDateTime(i.updatedAt)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      ) : null}
      {pages > 1 ? (
        <Group justify="center">
          <Pagination total={pages} value={page} onChange={(p) => set({ page: String(p) })} getControlProps={(c) => ({ 'aria-label': c === 'previous' ? 'Previous page' : c === 'next' ? 'Next page' : c })} getItemProps={(p) => ({ 'aria-label': `Page ${p}`, 'aria-current': p === page ? 'page' : undefined })} />
        </Group>
      ) : null}
    </Page>
  );
}
