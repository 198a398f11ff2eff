import { Anchor, Button, Group, Paper, Table, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useSearchParams, Link } from 'react-router';
import { Empty } from '../../components/Empty';
import { ErrorAlert } from '../../components/ErrorAlert';
import { fmtDateTime, plural } from '../../components/format';
import { Loading } from '../../components/Loading';
import { Page } from '../../components/Page';
import { TlpBadge } from '../../components/TlpBadge';
import { useLiveEvents } from '../intel/intel';
import { DETECT_BASE, fmtBytes, formatLabel, hitsPath, runPath, useRuns } from './detect';
import { RunStatus } from './parts';
import './detect.css';

const PAGE = 50;

/** The logs my organisation has checked, newest first, with status and counts. */
export function DetectRunsPage() {
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page')) || 1);
  const runs = useRuns(PAGE, (page - 1) * PAGE);
  useLiveEvents(['detect.run.progress', 'detect.run.completed', 'detect.retrohunt.hit'], () => void qc.invalidateQueries({ queryKey: ['detect', 'runs'] }));
  const items = runs.data?.items ?? [];
  const total = runs.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE));
  const go = (p: number) => setParams(p > 1 ? new URLSearchParams({ page: String(p) }) : new URLSearchParams());

  return (
    <Page
      title="Past log checks"
      crumbs={[{ label: 'Election infrastructure', to: '/infrastructure' }]}
      lead="Every log your organisation has uploaded for checking, newest first."
      actions={
        <Button component={Link} to={DETECT_BASE}>
          Check my logs
        </Button>
      }
    >
      {runs.error ? <ErrorAlert error={runs.error} title="Could not load log checks" /> : null}
      {runs.isPending ? <Loading label="Loading log checks" /> : null}
      {runs.data && !items.length ? (
        <Empty title="No logs checked yet" action={<Button component={Link} to={DETECT_BASE}>Check my logs</Button>}>
          Upload a DNS, proxy, firewall or server log to see whether any indicator shared with your organisation appears in it.
        </Empty>
      ) : null}
      {items.length ? (
        <Paper withBorder p="md" radius="md">
          <Text fz="sm" c="dimmed" mb="xs">
            {plural(total, 'log check')}
          </Text>
          <Table.ScrollContainer minWidth={940}>
            <Table verticalSpacing="xs" fz="sm" data-testid="runs-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th miw={220}>File</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th ta="right">Lines checked</Table.Th>
                  <Table.Th ta="right">Lines skipped</Table.Th>
                  <Table.Th ta="right">Matches</Table.Th>
                  <Table.Th>Sightings</Table.Th>
                  <Table.Th>Uploaded</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((r) => {
                  const skipped = r.skipped.binary + r.skipped.tooLong + r.skipped.badEncoding + r.skipped.badGzip;
                  return (
                    <Table.Tr key={r.id}>
                      <Table.Td>
                        <Anchor component={Link} to={runPath(r.id)} fw={600} style={{ overflowWrap: 'anywhere' }}>
                          {r.filename ?? 'Log'}
                        </Anchor>
                        <Text fz="xs" c="dimmed">
                          {formatLabel(r.format ?? r.formatRequested)} · {fmtBytes(r.uploadBytes)}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <RunStatus run={r} />
                      </Table.Td>
                      <Table.Td ta="right">{r.lines.toLocaleString()}</Table.Td>
                      <Table.Td ta="right">{skipped.toLocaleString()}</Table.Td>
                      <Table.Td ta="right">
                        {r.hits > 0 ? (
                          <Anchor component={Link} to={hitsPath({ run: r.id })} fw={700} aria-label={`${plural(r.hits, 'match', 'matches')} in ${r.filename ?? 'this log'}`}>
                            {r.hits.toLocaleString()}
                          </Anchor>
                        ) : (
                          '0'
                        )}
                        {r.retroHits > 0 ? (
                          <Text fz="xs" c="#7f3d00">
                            {r.retroHits.toLocaleString()} found later
                          </Text>
                        ) : null}
                      </Table.Td>
                      <Table.Td>
                        <Group gap={6} wrap="nowrap">
                          <TlpBadge tlp={r.tlp} />
                          <Text fz="xs">{r.shareWithHub ? 'shared with the hub' : 'not shared with the hub'}</Text>
                        </Group>
                      </Table.Td>
                      <Table.Td className="nowrap">{fmtDateTime(r.createdAt)}</Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {pages > 1 ? (
            <Group justify="center" mt="md" gap="sm">
              <Button variant="default" disabled={page <= 1} onClick={() => go(page - 1)}>
                Newer
              </Button>
              <Text fz="sm">
                Page {page} of {pages}
              </Text>
              <Button variant="default" disabled={page >= pages} onClick={() => go(page + 1)}>
                Older
              </Button>
            </Group>
          ) : null}
        </Paper>
      ) : null}
    </Page>
  );
}
