import { Anchor, Group, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { fmtDateTime, plural } from '../../components/format';
import { TlpBadge } from '../../components/TlpBadge';
import { objectPath, typeLabel } from '../intel/intel';
import { fmtBytes, formatLabel, hitsPath, indicatorName, isDone, runPath, SKIP_REASONS, STATUS_LABELS, type Hit, type Run } from './detect';

export function RunStatus({ run }: { run: Pick<Run, 'status'> }) {
  const colour = run.status === 'failed' ? '#a61e1e' : run.status === 'complete' ? '#1e6b34' : undefined;
  return (
    <Text span fw={600} c={colour}>
      {STATUS_LABELS[run.status]}
    </Text>
  );
}

function Figure({ label, value, help }: { label: string; value: number; help?: string }) {
  return (
    <div>
      <Text fz={28} fw={700} lh={1.2}>
        {value.toLocaleString()}
      </Text>
      <Text fz="sm" fw={600}>
        {label}
      </Text>
      {help ? (
        <Text fz="xs" c="dimmed">
          {help}
        </Text>
      ) : null}
    </div>
  );
}

/** The result of one log check, in words first, then the figures. */
export function RunSummary({ run }: { run: Run }) {
  const skipped = SKIP_REASONS.filter((r) => run.skipped[r.key] > 0);
  const skippedTotal = skipped.reduce((n, r) => n + run.skipped[r.key], 0);
  const done = isDone(run);
  const verdict =
    run.status === 'failed'
      ? 'The check could not finish.'
      : !done
        ? `Checking… ${plural(run.lines, 'line')} read so far${run.hits ? `, ${plural(run.hits, 'match', 'matches')} so far` : ''}.`
        : run.indicators === 0
          ? 'Nothing to match yet: no indicators have been shared with your organisation. Your log is kept, and indicators shared later will be checked against it.'
          : run.hits === 0
            ? `No matches — that’s good news. None of the ${plural(run.lines, 'line')} contained any of the ${plural(run.indicators, 'indicator')} shared with your organisation.`
            : `${plural(run.hitLines, 'line')} matched a shared indicator. Look at ${run.hitLines === 1 ? 'it' : 'them'} below; if it looks real, follow your incident plan.`;
  return (
    <Stack gap="md" data-testid="run-summary">
      <div aria-live="polite">
        <Text fz="lg" fw={600} data-testid="run-verdict">
          {verdict}
        </Text>
      </div>
      <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="md" data-testid="run-counts">
        <Figure label="Lines checked" value={run.lines} help={run.bytes ? fmtBytes(run.bytes) + ' of text' : undefined} />
        <Figure label="Lines with a match" value={run.hitLines} help={run.hits !== run.hitLines ? plural(run.hits, 'match', 'matches') + ' in all' : undefined} />
        <Figure label="Lines skipped" value={skippedTotal} help={skippedTotal ? 'See why below' : 'None: every line was read'} />
        <Figure label="Indicators checked" value={run.indicators} help="Shared with your organisation" />
      </SimpleGrid>
      {skipped.length ? (
        <Paper withBorder p="sm" radius="sm" component="section" aria-labelledby="skipped-title">
          <Title order={3} fz="md" id="skipped-title" mb={6}>
            Why some lines were skipped
          </Title>
          <Table fz="sm" verticalSpacing={4} data-testid="skipped-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Reason</Table.Th>
                <Table.Th ta="right">Lines</Table.Th>
                <Table.Th>What it means</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {skipped.map((r) => (
                <Table.Tr key={r.key}>
                  <Table.Td fw={600}>{r.label}</Table.Td>
                  <Table.Td ta="right">{run.skipped[r.key].toLocaleString()}</Table.Td>
                  <Table.Td>{r.explain}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {run.gzipError ? (
            <Text fz="xs" c="dimmed" mt={4}>
              Details: {run.gzipError}
            </Text>
          ) : null}
        </Paper>
      ) : null}
      {run.message ? (
        <Text fz="sm" c={run.status === 'failed' ? '#a61e1e' : undefined}>
          {run.message}
        </Text>
      ) : null}
      {run.complexTruncated ? (
        <Text fz="sm" c="dimmed">
          Some complex indicator patterns were not checked (there were too many); simple values (addresses, domains, URLs, hashes) all were.
        </Text>
      ) : null}
      {run.hits > run.hitsStored ? (
        <Text fz="sm" c="dimmed">
          Only the first {run.hitsStored.toLocaleString()} matches are listed; all {run.hits.toLocaleString()} were counted.
        </Text>
      ) : null}
      <dl className="detect-facts">
        <div>
          <dt>Format</dt>
          <dd>{formatLabel(run.format ?? run.formatRequested)}{run.gzip ? ', compressed (.gz)' : ''}</dd>
        </div>
        <div>
          <dt>Sightings marked</dt>
          <dd>
            <TlpBadge tlp={run.tlp} /> {run.shareWithHub ? '· shared with the hub' : '· not shared with the hub'}
          </dd>
        </div>
        <div>
          <dt>Uploaded</dt>
          <dd>{fmtDateTime(run.createdAt)} · {fmtBytes(run.uploadBytes)}</dd>
        </div>
        <div>
          <dt>Kept for later checks</dt>
          <dd>{run.logRetained ? 'Yes: indicators shared later are checked against this log too' : 'No longer kept'}</dd>
        </div>
      </dl>
    </Stack>
  );
}

/**
 * The campaigns, intrusion sets and threat actors behind the indicator, as the reader may see them (the
 * server leaves out what the reader may not see); an actor found through a campaign says so.
 */
export function RelatedContext({ related }: { related: Hit['related'] }) {
  if (!related.length) return null;
  const names = new Map(related.map((r) => [r.id, r.name ?? r.id]));
  return (
    <Text fz="xs" component="div" data-testid="hit-context">
      {related.slice(0, 4).map((r) => (
        <div key={`${r.id}|${r.via ?? ''}`}>
          {typeLabel(r.type)}:{' '}
          <Anchor underline="always" component={Link} to={objectPath(r.id)} fz="xs">
            {r.name ?? r.id}
          </Anchor>
          {r.via ? <Text span fz="xs" c="dimmed">{` (behind ${names.get(r.via) ?? 'a campaign'})`}</Text> : null}
        </div>
      ))}
      {related.length > 4 ? <Text span fz="xs" c="dimmed">{`and ${related.length - 4} more`}</Text> : null}
    </Text>
  );
}

/** The line with the matched value marked, so the eye finds it at once. */
function Line({ hit }: { hit: Hit }) {
  const i = hit.value ? hit.line.toLowerCase().indexOf(hit.value.toLowerCase()) : -1;
  return (
    <code className="detect-line">
      {i < 0 ? (
        hit.line
      ) : (
        <>
          {hit.line.slice(0, i)}
          <mark>{hit.line.slice(i, i + hit.value.length)}</mark>
          {hit.line.slice(i + hit.value.length)}
        </>
      )}
    </code>
  );
}

const KIND_LABELS: Record<string, string> = { ipv4: 'IPv4 address', ipv6: 'IPv6 address', domain: 'Domain', url: 'URL', email: 'Email address', md5: 'MD5 hash', sha1: 'SHA-1 hash', sha256: 'SHA-256 hash' };
export const kindLabel = (k: string) => KIND_LABELS[k] ?? k;

/** Hits: which indicator, the log line, when, where it was found. */
export function HitsTable({ hits, showRun = true }: { hits: Hit[]; showRun?: boolean }) {
  return (
    <Table.ScrollContainer minWidth={820}>
      <Table verticalSpacing="sm" fz="sm" data-testid="hits-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w="28%">Indicator</Table.Th>
            <Table.Th>Log line</Table.Th>
            <Table.Th w={170}>When</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {hits.map((h) => (
            <Table.Tr key={h.id} data-testid="hit-row">
              <Table.Td>
                <Stack gap={4}>
                  <Anchor component={Link} to={objectPath(h.indicatorId)} fw={600} style={{ wordBreak: 'break-word' }}>
                    {indicatorName({ id: h.indicatorId, name: h.indicator.name, pattern: h.indicator.pattern })}
                  </Anchor>
                  <Text fz="xs" c="dimmed">
                    {kindLabel(h.kind)}: <span className="mono">{h.value}</span>
                  </Text>
                  {h.indicator.labels.length ? (
                    <Group gap={4}>
                      {h.indicator.labels.slice(0, 4).map((l) => (
                        <span key={l} className="tag">
                          {l}
                        </span>
                      ))}
                    </Group>
                  ) : null}
                  <RelatedContext related={h.related} />
                  <Anchor component={Link} to={hitsPath({ indicator: h.indicatorId })} fz="xs">
                    Only this indicator
                  </Anchor>
                </Stack>
              </Table.Td>
              <Table.Td>
                <Line hit={h} />
                <Text fz="xs" c="dimmed" mt={4}>
                  Line {h.lineNo.toLocaleString()}
                  {h.field && h.field !== 'line' ? ` · field ${h.field}` : ''}
                  {showRun ? (
                    <>
                      {' · '}
                      <Anchor underline="always" component={Link} to={runPath(h.runId)} fz="xs">
                        {h.filename ?? 'log check'}
                      </Anchor>
                    </>
                  ) : null}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text fz="sm" className="nowrap">
                  {fmtDateTime(h.seenAt)}
                </Text>
                {h.foundBy === 'retrohunt' ? (
                  <Text fz="xs" c="#7f3d00" mt={2}>
                    <strong>Found later</strong>, when the indicator was shared
                  </Text>
                ) : null}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
