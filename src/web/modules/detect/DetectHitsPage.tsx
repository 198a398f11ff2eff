import { Alert, Button, Group, Paper, Select, Text } from '@mantine/core';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, call } from '../../api';
import { useAnnounce } from '../../components/Announcer';
import { Empty } from '../../components/Empty';
import { ErrorAlert } from '../../components/ErrorAlert';
import { fmtDateTime, plural } from '../../components/format';
import { Loading } from '../../components/Loading';
import { Page } from '../../components/Page';
import { useCurrentMe } from '../../session';
import { useLiveEvents } from '../intel/intel';
import { DETECT_BASE, indicatorName, useRuns } from './detect';
import { HitsTable } from './parts';
import './detect.css';

const LIMIT = 50;

/** My organisation's matches, newest first: filter by log check and by indicator, "load more", live retro-hunt notice. */
export function DetectHitsPage() {
  const me = useCurrentMe();
  const announce = useAnnounce();
  const [params, setParams] = useSearchParams();
  const runId = params.get('run') ?? undefined;
  const indicatorId = params.get('indicator') ?? undefined;
  const [fresh, setFresh] = useState(0);

  const runs = useRuns(200);
  // The indicators my organisation has sighted (for the filter): the aggregate lists each organisation that saw it.
  const sighted = useQuery({
    queryKey: ['detect', 'sightings', 'mine', me.currentOrgId],
    queryFn: () => call(api.GET('/api/detect/sightings', { params: { query: { limit: 1000 } } })),
    select: (d) => d.items.filter((s) => s.byOrganisation.some((o) => o.orgId === me.currentOrgId)),
  });
  const hits = useInfiniteQuery({
    queryKey: ['detect', 'hits', { runId, indicatorId }],
    initialPageParam: undefined as number | undefined,
    queryFn: ({ pageParam }) => call(api.GET('/api/detect/hits', { params: { query: { runId, indicatorId, limit: LIMIT, cursor: pageParam } } })),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  useLiveEvents(['detect.retrohunt.hit'], (e) => {
    const n = typeof e.payload.hits === 'number' ? e.payload.hits : 1;
    setFresh((x) => x + n);
  });

  const set = (k: 'run' | 'indicator', v: string | null) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    setParams(next, { replace: true });
  };
  const showFresh = async () => {
    setFresh(0);
    await hits.refetch();
    announce('Detections updated');
  };

  const items = hits.data?.pages.flatMap((p) => p.items) ?? [];
  const runOptions = (runs.data?.items ?? []).map((r) => ({ value: r.id, label: `${r.filename ?? 'Log'} · ${fmtDateTime(r.createdAt)}` }));
  if (runId && !runOptions.some((o) => o.value === runId)) runOptions.unshift({ value: runId, label: 'The selected log check' });
  const indicatorOptions = (sighted.data ?? []).map((s) => ({ value: s.indicatorId, label: indicatorName({ id: s.indicatorId, name: s.indicator.name, pattern: s.indicator.pattern }) }));
  if (indicatorId && !indicatorOptions.some((o) => o.value === indicatorId)) {
    const fromHit = items.find((h) => h.indicatorId === indicatorId);
    indicatorOptions.unshift({ value: indicatorId, label: fromHit ? indicatorName({ id: indicatorId, name: fromHit.indicator.name, pattern: fromHit.indicator.pattern }) : 'The selected indicator' });
  }
  const filtered = !!runId || !!indicatorId;

  return (
    <Page
      title="Detections"
      crumbs={[{ label: 'Election infrastructure', to: '/infrastructure' }]}
      lead="Lines in your organisation’s logs that matched an indicator shared with you, newest first. Open an indicator to read what it is and what to do."
      actions={
        <Button component={Link} to={DETECT_BASE}>
          Check my logs
        </Button>
      }
    >
      {fresh > 0 ? (
        <Alert className="detect-live-banner" variant="light" color="orange" data-testid="retrohunt-banner" role="status" title={null}>
          <Group justify="space-between" gap="sm">
            <Text fw={600}>
              {plural(fresh, 'new match', 'new matches')} found in your stored logs: an indicator shared just now was seen in a log you uploaded earlier.
            </Text>
            <Button size="xs" onClick={() => void showFresh()}>
              Show
            </Button>
          </Group>
        </Alert>
      ) : null}
      <Paper withBorder p="md" radius="md">
        <form role="search" aria-label="Filter detections" onSubmit={(e) => e.preventDefault()}>
          <Group gap="md" align="flex-end" wrap="wrap">
            <Select label="Log check" placeholder="All log checks" data={runOptions} value={runId ?? null} onChange={(v) => set('run', v)} clearable searchable w={340} />
            <Select label="Indicator" placeholder="All indicators" data={indicatorOptions} value={indicatorId ?? null} onChange={(v) => set('indicator', v)} clearable searchable w={340} />
            {filtered ? (
              <Button variant="subtle" onClick={() => setParams(new URLSearchParams(), { replace: true })}>
                Clear filters
              </Button>
            ) : null}
          </Group>
        </form>
      </Paper>
      {hits.error ? <ErrorAlert error={hits.error} title="Could not load detections" /> : null}
      {hits.isPending ? <Loading label="Loading detections" /> : null}
      {hits.data && !items.length && !filtered && runs.data?.total === 0 ? (
        <Empty title="No logs checked yet" action={<Button component={Link} to={DETECT_BASE}>Check my logs</Button>}>
          Upload a DNS, proxy, firewall or server log: Rampart tells you which lines contain an indicator shared with your organisation. Matches appear here.
        </Empty>
      ) : hits.data && !items.length && runs.data ? (
        <Empty title="No matches — that’s good news">
          {filtered
            ? 'Nothing matched with these filters.'
            : 'None of the logs your organisation has checked contained an indicator shared with you. Indicators shared later are checked against your stored logs, and new matches appear here.'}
        </Empty>
      ) : null}
      {items.length ? (
        <Paper withBorder p="md" radius="md" component="section" aria-label="Matches">
          <Text fz="sm" c="dimmed" mb="xs" data-testid="hit-count" aria-live="polite">
            {hits.hasNextPage ? `Showing the newest ${items.length.toLocaleString()} matches` : `Showing ${plural(items.length, 'match', 'matches')}`}
          </Text>
          <HitsTable hits={items} />
          {hits.hasNextPage ? (
            <Group justify="center" mt="md">
              <Button variant="default" onClick={() => void hits.fetchNextPage()} loading={hits.isFetchingNextPage}>
                Load more
              </Button>
            </Group>
          ) : null}
        </Paper>
      ) : null}
    </Page>
  );
}
