import { Alert, Anchor, Button, Checkbox, Group, Paper, Progress, Radio, Select, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, call } from '../../api';
import { useAnnounce } from '../../components/Announcer';
import { ErrorAlert } from '../../components/ErrorAlert';
import { FileDropZone } from '../../components/FileDropZone';
import { fmtDateTime, plural } from '../../components/format';
import { Loading } from '../../components/Loading';
import { Page } from '../../components/Page';
import { TlpBadge } from '../../components/TlpBadge';
import type { Tlp } from '../../theme';
import { queryString, useLiveEvents } from '../intel/intel';
import { DETECT_BASE, fmtBytes, FORMATS, hitsPath, isDone, runPath, SIGHTING_TLP, SIGHTING_TLPS, uploadLog, type Format } from './detect';
import { HitsTable, RunStatus, RunSummary } from './parts';
import './detect.css';

const CRUMBS = [{ label: 'Election infrastructure', to: '/infrastructure' }];
const ACCEPT = '.log,.txt,.json,.jsonl,.ndjson,.csv,.tsv,.cef,.gz,text/plain,text/csv,application/json,application/gzip';

/** Check my logs: pick or drop log files, choose how sightings are shared, upload with progress. */
export function DetectUploadPage() {
  const navigate = useNavigate();
  const announce = useAnnounce();
  const qc = useQueryClient();
  const [files, setFiles] = useState<File[]>([]);
  const [format, setFormat] = useState<Format>('auto');
  const [tlp, setTlp] = useState<Tlp>('AMBER');
  const [shareWithHub, setShareWithHub] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [progress, setProgress] = useState<{ index: number; fraction: number } | null>(null);
  const [done, setDone] = useState<{ id: string; filename: string | null; hits: number; status: string }[]>([]);

  const choose = (list: File[]) => {
    setError(null);
    setDone([]);
    setFiles(list);
  };

  const start = async () => {
    if (!files.length) return;
    setError(null);
    const finished: typeof done = [];
    for (const [index, file] of files.entries()) {
      setProgress({ index, fraction: 0 });
      try {
        const run = await uploadLog(`/api/detect/uploads${queryString({ format, tlp, filename: file.name, shareWithHub: String(shareWithHub) })}`, file, (fraction) => setProgress({ index, fraction }));
        finished.push({ id: run.id, filename: run.filename, hits: run.hits, status: run.status });
      } catch (e) {
        setError(e);
        setProgress(null);
        setDone(finished);
        await qc.invalidateQueries({ queryKey: ['detect'] });
        return;
      }
    }
    setProgress(null);
    await qc.invalidateQueries({ queryKey: ['detect'] });
    if (finished.length === 1) {
      announce(`${files[0]!.name} uploaded`);
      void navigate(runPath(finished[0]!.id));
    } else {
      announce(`${plural(finished.length, 'file')} uploaded`);
      setDone(finished);
      setFiles([]);
    }
  };
  const busy = progress !== null;
  const current = progress ? files[progress.index] : undefined;

  return (
    <Page
      title="Check my logs"
      crumbs={CRUMBS}
      lead="Find shared indicators in your logs. Upload DNS, proxy, firewall or server logs: Rampart looks for every address, domain, URL and file hash that has been shared with your organisation, and tells you which lines match."
      actions={
        <>
          <Button variant="default" component={Link} to={`${DETECT_BASE}/runs`}>
            Past log checks
          </Button>
          <Button variant="default" component={Link} to={hitsPath()}>
            All detections
          </Button>
        </>
      }
    >
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
        <Paper withBorder p="lg" radius="md" component="section" aria-labelledby="step-files">
          <Stack gap="md">
            <Title order={2} fz="lg" id="step-files">
              1. Your log files
            </Title>
            <FileDropZone
              label="Log files to check"
              prompt="Drop log files here, or"
              hint="JSON lines, CSV, Zeek, syslog, CEF or plain text; compressed .gz files too. Up to 2 GB each."
              accept={ACCEPT}
              multiple
              disabled={busy}
              onFiles={choose}
              progress={
                progress && current
                  ? {
                      fraction: progress.fraction,
                      busy: progress.fraction >= 1,
                      label: `${files.length > 1 ? `File ${progress.index + 1} of ${files.length}: ` : ''}${progress.fraction < 1 ? `uploading ${current.name}: ${Math.round(progress.fraction * 100)}%` : `checking ${current.name}…`}`,
                    }
                  : null
              }
            >
              {files.length ? (
                <ul className="detect-files" data-testid="chosen-files" aria-label="Chosen files">
                  {files.map((f) => (
                    <li key={f.name + f.size}>
                      <span className="mono">{f.name}</span> · {fmtBytes(f.size)}
                    </li>
                  ))}
                </ul>
              ) : null}
            </FileDropZone>
            <Select
              label="Format"
              description={FORMATS.find((f) => f.value === format)?.hint}
              data={FORMATS.map((f) => ({ value: f.value, label: f.label }))}
              value={format}
              onChange={(v) => setFormat((v as Format | null) ?? 'auto')}
              allowDeselect={false}
              maw={360}
            />
            <Text fz="sm" c="dimmed">
              Your logs stay with your organisation. Rampart keeps them, compressed, for a limited time so that indicators shared later are checked against them too — you will be told if one matches.
            </Text>
          </Stack>
        </Paper>
        <Paper withBorder p="lg" radius="md" component="section" aria-labelledby="step-sharing">
          <Stack gap="md">
            <Title order={2} fz="lg" id="step-sharing">
              2. Who may learn what you found
            </Title>
            <Text fz="sm">
              Each match is recorded as a <strong>sighting</strong>: “your organisation saw this indicator”. Sightings help others know a threat is active. Your log lines are never shared.
            </Text>
            <Radio.Group label="TLP of the sightings" value={tlp} onChange={(v) => setTlp(v as Tlp)}>
              <Stack gap={8} mt="xs">
                {SIGHTING_TLPS.map((t) => (
                  <Radio
                    key={t}
                    value={t}
                    label={
                      <Group gap={8} wrap="nowrap" align="baseline">
                        <TlpBadge tlp={t} />
                        <span>{SIGHTING_TLP[t]}</span>
                      </Group>
                    }
                  />
                ))}
              </Stack>
            </Radio.Group>
            <Checkbox
              checked={shareWithHub}
              onChange={(e) => setShareWithHub(e.currentTarget.checked)}
              label="Share sightings with the hub"
              description="Recommended. The national hub sees which indicators were seen and how widely (“seen in 14 counties”), so it can warn everyone. It never sees your log lines."
            />
          </Stack>
        </Paper>
      </SimpleGrid>
      {error ? <ErrorAlert error={error} title="The log was not checked" /> : null}
      {done.length ? (
        <Alert color="green" variant="light" title={`${plural(done.length, 'file')} uploaded`} role="status" data-testid="upload-done">
          <ul className="detect-files">
            {done.map((d) => (
              <li key={d.id}>
                <Anchor underline="always" component={Link} to={runPath(d.id)}>
                  {d.filename ?? 'Log'}
                </Anchor>{' '}
                — {isDone({ status: d.status as 'complete' }) ? (d.hits ? plural(d.hits, 'match', 'matches') : 'no matches') : 'being checked'}
              </li>
            ))}
          </ul>
        </Alert>
      ) : null}
      <Group>
        <Button onClick={() => void start()} disabled={!files.length || busy} loading={busy}>
          {files.length > 1 ? `Check ${files.length} files` : 'Check this log'}
        </Button>
      </Group>
    </Page>
  );
}

/** One log check: live status, summary in plain words, and its matches. */
export function DetectRunPage() {
  const { id = '' } = useParams();
  const qc = useQueryClient();
  const run = useQuery({
    queryKey: ['detect', 'run', id],
    queryFn: () => call(api.GET('/api/detect/runs/{id}', { params: { path: { id } } })),
    // Polling as a fallback for the live events (a proxy may buffer them).
    refetchInterval: (q) => (q.state.data && isDone(q.state.data) ? false : 2000),
  });
  const finished = !!run.data && isDone(run.data);
  const hits = useQuery({
    queryKey: ['detect', 'hits', 'run', id],
    enabled: finished,
    queryFn: () => call(api.GET('/api/detect/hits', { params: { query: { runId: id, limit: 50 } } })),
  });
  // Progress of a large run arrives only on the live events (the run row is written at the end).
  const [live, setLive] = useState<{ lines: number; hits: number; bytes: number } | null>(null);
  useLiveEvents(['detect.run.progress', 'detect.run.completed', 'detect.retrohunt.hit'], (e) => {
    if (e.topic === 'detect.run.progress' && e.subjectId === id) {
      const n = (k: string) => (typeof e.payload[k] === 'number' ? (e.payload[k] as number) : 0);
      setLive({ lines: n('lines'), hits: n('hits'), bytes: n('bytes') });
    }
    if (!e.subjectId || e.subjectId === id) void qc.invalidateQueries({ queryKey: ['detect'] });
  });
  const crumbs = [...CRUMBS, { label: 'Past log checks', to: `${DETECT_BASE}/runs` }];
  if (run.error) {
    return (
      <Page title="Log check not found" crumbs={crumbs}>
        <ErrorAlert error={run.error} />
      </Page>
    );
  }
  if (!run.data) return <Loading label="Loading the log check" />;
  const r = !finished && live ? { ...run.data, lines: Math.max(run.data.lines, live.lines), hits: Math.max(run.data.hits, live.hits), bytes: Math.max(run.data.bytes, live.bytes) } : run.data;
  const items = hits.data?.items ?? [];
  return (
    <Page title={r.filename ?? 'Log check'} crumbs={crumbs} lead={`Uploaded ${fmtDateTime(r.createdAt)}`}>
      <Paper withBorder p="lg" radius="md">
        <Stack gap="md">
          <Text fz="sm" data-testid="run-status">
            Status: <RunStatus run={r} />
          </Text>
          {!finished ? <Progress value={100} animated size="sm" aria-label="Checking the log" /> : null}
          <RunSummary run={r} />
          <Group>
            {finished && r.hits > 0 ? (
              <Button component={Link} to="/infrastructure/incidents/report">
                Report an incident
              </Button>
            ) : null}
            <Button component={Link} to={DETECT_BASE} variant={finished && r.hits > 0 ? 'default' : 'filled'}>
              Check another log
            </Button>
          </Group>
        </Stack>
      </Paper>
      {finished && r.hits > 0 ? (
        <Paper withBorder p="lg" radius="md" component="section" aria-labelledby="run-hits">
          <Group justify="space-between" mb="sm">
            <Title order={2} fz="lg" id="run-hits">
              Matching lines
            </Title>
            {r.hitsStored > items.length ? (
              <Anchor component={Link} to={hitsPath({ run: r.id })}>
                See all {r.hitsStored.toLocaleString()} matches
              </Anchor>
            ) : null}
          </Group>
          {hits.error ? <ErrorAlert error={hits.error} title="Could not load the matches" /> : null}
          {hits.isPending ? <Loading label="Loading matches" /> : <HitsTable hits={items} showRun={false} />}
        </Paper>
      ) : null}
    </Page>
  );
}
