import { Alert, Anchor, Button, Group, MultiSelect, Paper, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, call } from '../../api';
import { Empty } from '../../components/Empty';
import { ErrorAlert } from '../../components/ErrorAlert';
import { fmtDateTime, plural } from '../../components/format';
import { Loading } from '../../components/Loading';
import { Page } from '../../components/Page';
import { TlpBadge } from '../../components/TlpBadge';
import { useCurrentMe } from '../../session';
import { displayName, INTEL_BASE, objectPath, queryString, SOURCE_OPTIONS, sourceLabel, TLP_ORDER, TYPE_OPTIONS, useLiveEvents, type SearchQuery } from './intel';
import { TypeLabel } from './parts';
import './intel.css';

const LIMIT = 50;

interface Filters {
  q: string;
  observable: string;
  type: string[];
  tlp: string[];
  source: string;
  since: string;
  until: string;
}

function readFilters(p: URLSearchParams): Filters {
  const list = (k: string) => (p.get(k) ?? '').split(',').filter(Boolean);
  return { q: p.get('q') ?? '', observable: p.get('observable') ?? '', type: list('type'), tlp: list('tlp'), source: p.get('source') ?? '', since: p.get('since') ?? '', until: p.get('until') ?? '' };
}

const startOfDay = (d: string) => (d ? new Date(`${d}T00:00:00`).toISOString() : undefined);
const endOfDay = (d: string) => (d ? new Date(new Date(`${d}T00:00:00`).getTime() + 86_400_000).toISOString() : undefined);

/** Threat intel search: text, filters in the URL, keyset "load more", and a live "new objects" banner. */
export function IntelSearchPage() {
  const me = useCurrentMe();
  const canShare = me.role === 'analyst' || me.role === 'org_admin';
  const [params, setParams] = useSearchParams();
  const filters = readFilters(params);
  const [draft, setDraft] = useState<Filters>(filters);
  const [fresh, setFresh] = useState(0);

  const query: SearchQuery = {
    q: filters.q || undefined,
    observable: filters.observable || undefined,
    type: filters.type.length ? filters.type : undefined,
    tlp: (filters.tlp.length ? filters.tlp : undefined) as SearchQuery['tlp'],
    source: filters.source || undefined,
    since: startOfDay(filters.since),
    until: endOfDay(filters.until),
    limit: LIMIT,
  };
  const results = useInfiniteQuery({
    queryKey: ['intel', 'search', query],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => call(api.GET('/api/intel/objects', { params: { query: { ...query, cursor: pageParam } } })),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  useLiveEvents(['intel.objects.added'], (e) => setFresh((n) => n + (typeof e.payload.count === 'number' ? e.payload.count : 1)));

  const items = results.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = Object.values(filters).some((v) => (Array.isArray(v) ? v.length > 0 : !!v));
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setParams(new URLSearchParams(queryString({ q: draft.q.trim(), observable: draft.observable.trim(), type: draft.type.join(','), tlp: draft.tlp.join(','), source: draft.source, since: draft.since, until: draft.until }).slice(1)), { replace: true });
  };
  const clear = () => {
    setDraft(readFilters(new URLSearchParams()));
    setParams(new URLSearchParams(), { replace: true });
  };
  const showFresh = () => {
    setFresh(0);
    void results.refetch();
  };
  const set = (k: 'q' | 'observable' | 'since' | 'until') => (e: React.ChangeEvent<HTMLInputElement>) => setDraft({ ...draft, [k]: e.currentTarget.value });
  const exportLink = `${INTEL_BASE}/export${queryString({ type: filters.type.join(','), since: filters.since })}`;

  return (
    <Page
      title="Threat intel"
      crumbs={[{ label: 'Election infrastructure', to: '/infrastructure' }]}
      lead="Indicators, reports and notes shared with your organisation, newest first. You only ever see what its TLP marking allows you to see."
      actions={
        <>
          <Button variant="default" component={Link} to={exportLink}>
            Export
          </Button>
          {canShare ? (
            <>
              <Button variant="default" component={Link} to={`${INTEL_BASE}/ingest`}>
                Upload a file
              </Button>
              <Button component={Link} to={`${INTEL_BASE}/new`}>
                Share intel
              </Button>
            </>
          ) : null}
        </>
      }
    >
      {fresh > 0 ? (
        <Alert className="intel-live-banner" variant="light" color="rampart" data-testid="new-objects-banner" role="status" title={null}>
          <Group justify="space-between" gap="sm">
            <Text fw={600}>{plural(fresh, 'new object')} shared since you opened this page.</Text>
            <Button size="xs" onClick={showFresh}>
              Show
            </Button>
          </Group>
        </Alert>
      ) : null}

      <Paper withBorder p="md" radius="md">
        <form role="search" aria-label="Search threat intel" onSubmit={apply}>
          <Stack gap="sm">
            <Group gap="md" align="flex-end" wrap="wrap">
              <TextInput label="Search" type="search" placeholder='Words, names, "exact phrase"' value={draft.q} onChange={set('q')} w={300} />
              <TextInput label="Observable value" placeholder="IP, domain, URL, email or hash" value={draft.observable} onChange={set('observable')} w={260} />
              <MultiSelect label="Type" placeholder={draft.type.length ? undefined : 'All types'} data={TYPE_OPTIONS} value={draft.type} onChange={(v) => setDraft({ ...draft, type: v })} searchable clearable w={240} />
            </Group>
            <Group gap="md" align="flex-end" wrap="wrap">
              <MultiSelect label="TLP" placeholder={draft.tlp.length ? undefined : 'All labels'} data={TLP_ORDER.map((t) => ({ value: t, label: `TLP:${t}` }))} value={draft.tlp} onChange={(v) => setDraft({ ...draft, tlp: v })} clearable w={220} />
              <Select label="Source" placeholder="All sources" data={SOURCE_OPTIONS} value={draft.source || null} onChange={(v) => setDraft({ ...draft, source: v ?? '' })} clearable w={200} />
              <TextInput label="Added from" type="date" value={draft.since} onChange={set('since')} w={165} />
              <TextInput label="Added to" type="date" value={draft.until} onChange={set('until')} w={165} />
              <Button type="submit">Search</Button>
              {filtered ? (
                <Button variant="subtle" onClick={clear}>
                  Clear filters
                </Button>
              ) : null}
            </Group>
          </Stack>
        </form>
      </Paper>

      <div aria-live="polite" aria-atomic="true">
        {results.data ? (
          <Text fz="sm" c="dimmed" data-testid="result-count">
            {items.length === 0 ? 'No objects' : results.hasNextPage ? `Showing the newest ${items.length.toLocaleString()}` : `Showing ${plural(items.length, 'object')}`}
            {filtered ? ' matching the filters' : ''}
            {results.data.pages[0]?.observableKey ? ` (observable ${results.data.pages[0].observableKey})` : ''}
          </Text>
        ) : null}
      </div>

      {results.error ? <ErrorAlert error={results.error} title="Could not search threat intel" /> : null}
      {results.isPending ? <Loading label="Searching threat intel" /> : null}
      {results.data && items.length === 0 ? (
        filtered ? (
          <Empty title="Nothing matches" action={<Button variant="default" onClick={clear}>Clear filters</Button>}>
            Try fewer words, another spelling, or remove a filter. Objects you are not allowed to see never appear here.
          </Empty>
        ) : (
          <Empty title="No threat intel yet" action={canShare ? <Button component={Link} to={`${INTEL_BASE}/new`}>Share the first indicator</Button> : undefined}>
            Nothing has been shared with your organisation yet. When partners share indicators or reports you may see, they appear here.
          </Empty>
        )
      ) : null}

      {items.length ? (
        <Paper withBorder radius="md">
          <Table.ScrollContainer minWidth={820}>
            <Table striped highlightOnHover verticalSpacing="sm" horizontalSpacing="md" fz="sm" data-testid="intel-results">
              <caption style={{ position: 'absolute', left: -10000 }}>Threat intel, newest first</caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Type</Table.Th>
                  <Table.Th>TLP</Table.Th>
                  <Table.Th>Shared by</Table.Th>
                  <Table.Th>Source</Table.Th>
                  <Table.Th>Added</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((o) => (
                  <Table.Tr key={o.id}>
                    <Table.Td maw={420}>
                      <Anchor component={Link} to={objectPath(o.id)} fw={600} style={{ wordBreak: 'break-word' }}>
                        {displayName(o)}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>
                      <TypeLabel type={o.type} />
                    </Table.Td>
                    <Table.Td>
                      <TlpBadge tlp={o.tlp} />
                    </Table.Td>
                    <Table.Td>{o.ownerName ?? <Text span c="dimmed">Outside Rampart</Text>}</Table.Td>
                    <Table.Td>{sourceLabel(o.source)}</Table.Td>
                    <Table.Td className="nowrap">{fmtDateTime(o.dateAdded)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      ) : null}
      <Stack align="center">
        {results.hasNextPage ? (
          <Button variant="default" onClick={() => void results.fetchNextPage()} loading={results.isFetchingNextPage}>
            Load {LIMIT} more
          </Button>
        ) : items.length > LIMIT ? (
          <Text c="dimmed" fz="sm">
            That is everything that matches.
          </Text>
        ) : null}
      </Stack>
    </Page>
  );
}
