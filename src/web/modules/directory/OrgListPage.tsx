import { Anchor, Button, Group, Pagination, Paper, Select, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, call, type OrgKind } from '../../api';
import { Empty } from '../../components/Empty';
import { ErrorAlert } from '../../components/ErrorAlert';
import { fmtDate, plural } from '../../components/format';
import { Loading } from '../../components/Loading';
import { Page } from '../../components/Page';
import { Tag } from '../../components/Tag';
import { SortHeader } from '../../components/SortHeader';
import { isAdmin, useCurrentMe } from '../../session';
import { KIND_LABELS, KIND_OPTIONS } from './labels';
import { useCommunities, useStates } from './queries';

const PAGE_SIZE = 25;
type Sort = 'name' | '-name' | 'kind' | '-kind' | 'createdAt' | '-createdAt';

/** Organisations: search, filters and sort live in the URL, so Back and shared links keep them. */
export function OrgListPage() {
  const me = useCurrentMe();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const kind = (params.get('kind') as OrgKind | null) ?? undefined;
  const state = params.get('state') ?? undefined;
  const communityId = params.get('community') ?? undefined;
  const sort = (params.get('sort') as Sort | null) ?? 'name';
  const page = Number(params.get('page') ?? '1') || 1;

  const [search, setSearch] = useState(q);
  const [debounced] = useDebouncedValue(search, 300);
  const update = (patch: Record<string, string | undefined | null>, resetPage = true) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    if (resetPage) next.delete('page');
    setParams(next, { replace: true });
  };
  useEffect(() => {
    if (debounced !== q) update({ q: debounced.trim() || null });
  }, [debounced]);

  const states = useStates();
  const communities = useCommunities();
  const list = useQuery({
    queryKey: ['orgs', { q, kind, state, communityId, sort, page }],
    queryFn: () => call(api.GET('/api/organisations', { params: { query: { q: q || undefined, kind, state, communityId, sort, page, pageSize: PAGE_SIZE } } })),
    placeholderData: keepPreviousData,
  });
  const filtered = !!(q || kind || state || communityId);
  const total = list.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const from = total === 0 ? 0 : (page - 1) * PAGE_SIZE + 1;
  const to = Math.min(total, page * PAGE_SIZE);
  const canManage = isAdmin(me);

  return (
    <Page
      title="Organisations"
      lead="Everyone who takes part in defending the election: election offices, campaigns, vendors, platforms, federal partners and law enforcement, with their 24x7 contacts."
      actions={
        canManage ? (
          <>
            <Button variant="default" component={Link} to="/directory/import">
              Import CSV
            </Button>
            <Button component={Link} to="/directory/organisations/new">
              New organisation
            </Button>
          </>
        ) : null
      }
    >
      <Paper withBorder p="md" radius="md">
        <form role="search" aria-label="Filter organisations" onSubmit={(e) => e.preventDefault()}>
          <Group gap="md" align="flex-end" wrap="wrap">
            <TextInput label="Search" placeholder="Name or description" value={search} onChange={(e) => setSearch(e.currentTarget.value)} w={240} type="search" />
            <Select label="Kind" placeholder="All kinds" data={KIND_OPTIONS} value={kind ?? null} onChange={(v) => update({ kind: v })} clearable w={210} />
            <Select label="State" placeholder="All states" data={(states.data ?? []).map((s) => ({ value: s.fips, label: s.name }))} value={state ?? null} onChange={(v) => update({ state: v })} clearable searchable w={180} />
            <Select label="Community" placeholder="All communities" data={(communities.data?.items ?? []).map((c) => ({ value: c.id, label: c.name }))} value={communityId ?? null} onChange={(v) => update({ community: v })} clearable w={200} />
            {filtered ? (
              <Button
                variant="subtle"
                onClick={() => {
                  setSearch('');
                  setParams(new URLSearchParams(sort !== 'name' ? { sort } : {}), { replace: true });
                }}
              >
                Clear filters
              </Button>
            ) : null}
          </Group>
        </form>
      </Paper>

      <div aria-live="polite" aria-atomic="true">
        {list.data ? (
          <Text fz="sm" c="dimmed" data-testid="result-count">
            {total === 0 ? 'No organisations' : `Showing ${from.toLocaleString()}–${to.toLocaleString()} of ${plural(total, 'organisation')}`}
            {filtered ? ' matching the filters' : ''}
          </Text>
        ) : null}
      </div>

      {list.error ? <ErrorAlert error={list.error} title="Could not load organisations" /> : null}
      {list.isPending ? <Loading label="Loading organisations" /> : null}
      {list.data && total === 0 ? (
        filtered ? (
          <Empty title="No organisations match" action={<Button variant="default" onClick={() => { setSearch(''); setParams(new URLSearchParams(), { replace: true }); }}>Clear filters</Button>}>
            Try a shorter search, or remove a filter.
          </Empty>
        ) : (
          <Empty title="The directory is empty" action={canManage ? <Button component={Link} to="/directory/organisations/new">Add the first organisation</Button> : undefined}>
            {canManage ? 'Add organisations one by one, or import a CSV file of many.' : 'Your hub has not added organisations yet.'}
          </Empty>
        )
      ) : null}
      {list.data && total > 0 ? (
        <Paper withBorder radius="md">
          <Table.ScrollContainer minWidth={760}>
            <Table striped highlightOnHover verticalSpacing="sm" horizontalSpacing="md" fz="sm">
              <caption style={{ position: 'absolute', left: -10000 }}>Organisations, sorted by {sort.replace('-', '')}{sort.startsWith('-') ? ', descending' : ''}</caption>
              <Table.Thead>
                <Table.Tr>
                  <SortHeader label="Name" field="name" sort={sort} onSort={(s) => update({ sort: s }, false)} />
                  <SortHeader label="Kind" field="kind" sort={sort} onSort={(s) => update({ sort: s }, false)} />
                  <Table.Th>Jurisdiction</Table.Th>
                  <Table.Th>Part of</Table.Th>
                  <Table.Th ta="right">People</Table.Th>
                  <SortHeader label="Added" field="createdAt" sort={sort} onSort={(s) => update({ sort: s }, false)} />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data.items.map((o) => (
                  <Table.Tr key={o.id}>
                    <Table.Td>
                      <Anchor component={Link} to={`/directory/organisations/${o.id}`} fw={600}>
                        {o.name}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>
                      <Tag>{KIND_LABELS[o.kind]}</Tag>
                    </Table.Td>
                    <Table.Td>{o.jurisdictionName ?? <Text span c="dimmed">—</Text>}</Table.Td>
                    <Table.Td>{o.parentId ? <Anchor component={Link} to={`/directory/organisations/${o.parentId}`} fz="sm">{o.parentName}</Anchor> : <Text span c="dimmed">—</Text>}</Table.Td>
                    <Table.Td ta="right">{o.memberCount}</Table.Td>
                    <Table.Td className="nowrap">{fmtDate(o.createdAt)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      ) : null}
      {pages > 1 ? (
        <nav aria-label="Pages of organisations">
          <Pagination total={pages} value={page} onChange={(p) => update({ page: p === 1 ? null : String(p) }, false)} getControlProps={(c) => ({ 'aria-label': c === 'previous' ? 'Previous page' : c === 'next' ? 'Next page' : c === 'first' ? 'First page' : 'Last page' })} getItemProps={(p) => ({ 'aria-label': `Page ${p}`, 'aria-current': p === page ? 'page' : undefined })} />
        </nav>
      ) : null}
    </Page>
  );
}
