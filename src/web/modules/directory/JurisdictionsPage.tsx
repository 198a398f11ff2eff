import { Anchor, Group, Pagination, Paper, Select, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, call } from '../../api';
import { ErrorAlert } from '../../components/ErrorAlert';
import { plural } from '../../components/format';
import { Loading } from '../../components/Loading';
import { Page } from '../../components/Page';
import { Tag } from '../../components/Tag';
import { useStates } from './queries';

const PAGE_SIZE = 50;
type Kind = 'state' | 'district' | 'territory' | 'county';
const KINDS: { value: Kind; label: string }[] = [
  { value: 'state', label: 'State' },
  { value: 'district', label: 'District' },
  { value: 'territory', label: 'Territory' },
  { value: 'county', label: 'County or equivalent' },
];

/** US states, territories and counties (FIPS), with a link to the organisations in each state. */
export function JurisdictionsPage() {
  const [q, setQ] = useState('');
  const [debounced] = useDebouncedValue(q, 250);
  const [state, setState] = useState<string | null>(null);
  const [kind, setKind] = useState<Kind | null>(null);
  const [page, setPage] = useState(1);
  const states = useStates();
  const list = useQuery({
    queryKey: ['jurisdictions', { q: debounced, state, kind, page }],
    queryFn: () => call(api.GET('/api/jurisdictions', { params: { query: { q: debounced.trim() || undefined, state: state ?? undefined, kind: kind ?? undefined, page, pageSize: PAGE_SIZE } } })),
    placeholderData: keepPreviousData,
  });
  const total = list.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  return (
    <Page title="Jurisdictions" lead="US states, DC, territories and counties with their FIPS codes, used to place organisations on the map of who serves whom.">
      <Paper withBorder p="md" radius="md">
        <form role="search" aria-label="Filter jurisdictions" onSubmit={(e) => e.preventDefault()}>
          <Group gap="md" align="flex-end">
            <TextInput label="Search" placeholder="Name or FIPS code" type="search" value={q} onChange={(e) => { setQ(e.currentTarget.value); setPage(1); }} w={240} />
            <Select label="State" placeholder="All states" data={(states.data ?? []).map((s) => ({ value: s.fips, label: s.name }))} value={state} onChange={(v) => { setState(v); setPage(1); }} searchable clearable w={220} />
            <Select label="Kind" placeholder="All kinds" data={KINDS} value={kind} onChange={(v) => { setKind(v as Kind | null); setPage(1); }} clearable w={220} />
          </Group>
        </form>
      </Paper>
      <div aria-live="polite">{list.data ? <Text fz="sm" c="dimmed">{plural(total, 'jurisdiction')}</Text> : null}</div>
      {list.isPending ? <Loading /> : null}
      {list.error ? <ErrorAlert error={list.error} title="Could not load jurisdictions" /> : null}
      {list.data && list.data.items.length ? (
        <Paper withBorder radius="md">
          <Table.ScrollContainer minWidth={600}>
            <Table striped verticalSpacing="xs" horizontalSpacing="md">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={90}>FIPS</Table.Th>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Kind</Table.Th>
                  <Table.Th>State</Table.Th>
                  <Table.Th>Organisations</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data.items.map((j) => (
                  <Table.Tr key={j.fips}>
                    <Table.Td className="mono">{j.fips}</Table.Td>
                    <Table.Td fw={500}>{j.name}</Table.Td>
                    <Table.Td>
                      <Tag>{KINDS.find((k) => k.value === j.kind)?.label ?? j.kind}</Tag>
                    </Table.Td>
                    <Table.Td>{j.stateName ?? (j.kind === 'county' ? '—' : j.name)}</Table.Td>
                    <Table.Td>
                      <Anchor component={Link} to={`/directory/organisations?state=${j.stateFips}${j.kind === 'county' ? `&q=${encodeURIComponent(j.name)}` : ''}`} fz="sm">
                        {j.kind === 'county' ? `Search in ${j.stateName ?? 'state'}` : `In ${j.name}`}
                      </Anchor>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      ) : list.data ? (
        <Text>No jurisdictions match.</Text>
      ) : null}
      {pages > 1 ? (
        <nav aria-label="Pages of jurisdictions">
          <Pagination total={pages} value={page} onChange={setPage} getControlProps={(c) => ({ 'aria-label': `${c[0]!.toUpperCase()}${c.slice(1)} page` })} getItemProps={(p) => ({ 'aria-label': `Page ${p}` })} />
        </nav>
      ) : null}
    </Page>
  );
}
