import { Button, Code, Group, Paper, Stack, Table, Text, TextInput } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, call } from '../../api';
import { Empty } from '../../components/Empty';
import { ErrorAlert } from '../../components/ErrorAlert';
import { fmtDateTime } from '../../components/format';
import { Loading } from '../../components/Loading';
import { Page } from '../../components/Page';

interface Filters {
  action: string;
  q: string;
  from: string;
  to: string;
}
const EMPTY: Filters = { action: '', q: '', from: '', to: '' };
const LIMIT = 50;

/** The hash-chained audit log, newest first, loaded 50 at a time (keyset "load more"). */
export function AuditPage() {
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const log = useInfiniteQuery({
    queryKey: ['audit', filters],
    initialPageParam: undefined as number | undefined,
    queryFn: ({ pageParam }) =>
      call(
        api.GET('/api/audit', {
          params: {
            query: {
              action: filters.action.trim() || undefined,
              q: filters.q.trim() || undefined,
              from: filters.from ? new Date(`${filters.from}T00:00:00`).toISOString() : undefined,
              to: filters.to ? new Date(`${filters.to}T23:59:59.999`).toISOString() : undefined,
              beforeSeq: pageParam,
              limit: LIMIT,
            },
          },
        }),
      ),
    getNextPageParam: (last) => last.nextBeforeSeq ?? undefined,
  });
  const items = log.data?.pages.flatMap((p) => p.items) ?? [];
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters(draft);
  };
  const set = (k: keyof Filters) => (e: React.ChangeEvent<HTMLInputElement>) => setDraft({ ...draft, [k]: e.currentTarget.value });
  return (
    <Page title="Audit log" lead="Every sign-in, change and administrative action, newest first. Entries are hash-chained so tampering is detectable.">
      <Paper withBorder p="md" radius="md">
        <form onSubmit={apply} role="search" aria-label="Filter the audit log">
          <Group align="flex-end" gap="md">
            <TextInput label="Action" placeholder="e.g. auth.login" value={draft.action} onChange={set('action')} w={200} />
            <TextInput label="Search" placeholder="Person, subject, details" value={draft.q} onChange={set('q')} w={240} />
            <TextInput label="From" type="date" value={draft.from} onChange={set('from')} w={170} />
            <TextInput label="To" type="date" value={draft.to} onChange={set('to')} w={170} />
            <Button type="submit">Apply filters</Button>
            <Button variant="subtle" onClick={() => { setDraft(EMPTY); setFilters(EMPTY); }}>
              Clear
            </Button>
          </Group>
        </form>
      </Paper>
      {log.isPending ? <Loading label="Loading the audit log" /> : null}
      {log.error ? <ErrorAlert error={log.error} title="Could not load the audit log" /> : null}
      {log.data && items.length === 0 ? (
        <Empty title="No entries">
          {filters === EMPTY
            ? 'Nothing is recorded for your organisation yet. Organisation admins see the entries made by and for their organisation; platform admins see the whole log.'
            : 'Nothing matches these filters.'}
        </Empty>
      ) : null}
      {items.length ? (
        <Paper withBorder radius="md">
          <Table.ScrollContainer minWidth={900}>
            <Table striped verticalSpacing="xs" horizontalSpacing="md" fz="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={70}>#</Table.Th>
                  <Table.Th w={180}>When</Table.Th>
                  <Table.Th>Who</Table.Th>
                  <Table.Th>Action</Table.Th>
                  <Table.Th>Subject</Table.Th>
                  <Table.Th>Details</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((e) => (
                  <Table.Tr key={e.seq}>
                    <Table.Td className="mono">{e.seq}</Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{fmtDateTime(e.at)}</Table.Td>
                    <Table.Td>
                      {e.actorName}
                      {e.actorKind !== 'user' ? <Text span c="dimmed" fz="xs"> ({e.actorKind})</Text> : null}
                    </Table.Td>
                    <Table.Td className="mono">{e.action}</Table.Td>
                    <Table.Td>{e.subjectType ? <span>{e.subjectType} <Text span c="dimmed" fz="xs" className="mono">{e.subjectId?.slice(0, 8)}</Text></span> : '—'}</Table.Td>
                    <Table.Td>{Object.keys(e.details).length ? <Code style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>{JSON.stringify(e.details)}</Code> : '—'}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      ) : null}
      <Stack align="center" aria-live="polite">
        {log.hasNextPage ? (
          <Button variant="default" onClick={() => void log.fetchNextPage()} loading={log.isFetchingNextPage}>
            Load {LIMIT} more
          </Button>
        ) : items.length ? (
          <Text c="dimmed" fz="sm">Showing all {items.length} matching entries.</Text>
        ) : null}
      </Stack>
    </Page>
  );
}
