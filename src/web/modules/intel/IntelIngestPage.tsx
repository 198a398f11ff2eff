import { Anchor, Button, Group, Paper, Progress, SegmentedControl, Select, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, call, rawFetch, toApiError, uploadWithProgress } from '../../api';
import { useAnnounce } from '../../components/Announcer';
import { ErrorAlert } from '../../components/ErrorAlert';
import { FileDropZone } from '../../components/FileDropZone';
import { fmtDateTime, plural } from '../../components/format';
import { Loading } from '../../components/Loading';
import { Page } from '../../components/Page';
import { useCurrentMe } from '../../session';
import { INTEL_BASE, queryString, useLiveEvents, useMyCommunities, type CsvPreview, type Ingest } from './intel';
import { SharingFields, type SharingValue } from './parts';
import './intel.css';

type Kind = 'stix' | 'misp' | 'csv';
const KIND_LABELS: Record<Ingest['kind'], string> = { stix: 'STIX bundle', misp: 'MISP event', 'misp-feed': 'MISP feed', csv: 'CSV list' };
const STATUS_LABELS: Record<Ingest['status'], string> = { queued: 'Waiting to start', running: 'Reading', complete: 'Finished', failed: 'Failed' };
const CSV_FIELDS = [
  { key: 'value', param: 'valueColumn', label: 'Indicator value', required: true },
  { key: 'type', param: 'typeColumn', label: 'Type of value' },
  { key: 'name', param: 'nameColumn', label: 'Name' },
  { key: 'description', param: 'descriptionColumn', label: 'Description' },
  { key: 'valid_from', param: 'validFromColumn', label: 'Valid from' },
  { key: 'valid_until', param: 'validUntilColumn', label: 'Valid until' },
  { key: 'labels', param: 'labelsColumn', label: 'Labels' },
  { key: 'confidence', param: 'confidenceColumn', label: 'Confidence' },
  { key: 'tlp', param: 'tlpColumn', label: 'TLP' },
] as const;
const DEFAULT_TYPES = ['auto', 'ipv4', 'ipv6', 'domain', 'hostname', 'url', 'email', 'md5', 'sha1', 'sha256', 'filename'];

/** Guesses the format from the name and the first bytes; the person can change it. */
async function guessKind(file: File): Promise<Kind> {
  if (/\.(csv|tsv|txt)$/i.test(file.name)) return 'csv';
  const head = await file.slice(0, 4096).text();
  if (/"Event"\s*:|"response"\s*:|"Attribute"\s*:/.test(head)) return 'misp';
  return 'stix';
}

const fmtBytes = (n: number) => (n < 1024 ? `${n} bytes` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);

/** Uploads with progress (see uploadWithProgress). */
function upload(url: string, file: File, onProgress: (f: number) => void): Promise<Ingest> {
  return uploadWithProgress<Ingest>(url, file, 'application/octet-stream', onProgress);
}

function StatusText({ i }: { i: Ingest }) {
  const colour = i.status === 'failed' ? '#a61e1e' : i.status === 'complete' ? '#1e6b34' : undefined;
  return (
    <Text span fw={600} c={colour}>
      {STATUS_LABELS[i.status]}
    </Text>
  );
}

function RecentIngests() {
  const list = useQuery({ queryKey: ['intel', 'ingests'], queryFn: () => call(api.GET('/api/intel/ingests', { params: { query: { limit: 20 } } })) });
  const items = list.data?.items ?? [];
  return (
    <Paper withBorder p="lg" radius="md" component="section" aria-labelledby="recent-ingests">
      <Title order={2} fz="lg" mb="sm" id="recent-ingests">
        Recent uploads by your organisation
      </Title>
      {list.error ? <ErrorAlert error={list.error} title="Could not load uploads" /> : null}
      {list.isPending ? <Loading label="Loading uploads" /> : null}
      {list.data && !items.length ? <Text c="dimmed" fz="sm">No uploads yet.</Text> : null}
      {items.length ? (
        <Table.ScrollContainer minWidth={640}>
          <Table verticalSpacing="xs" fz="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>File</Table.Th>
                <Table.Th>Format</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th ta="right">Added</Table.Th>
                <Table.Th ta="right">Rejected</Table.Th>
                <Table.Th>Started</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((i) => (
                <Table.Tr key={i.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`${INTEL_BASE}/ingest/${i.id}`}>
                      {i.filename ?? KIND_LABELS[i.kind]}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{KIND_LABELS[i.kind]}</Table.Td>
                  <Table.Td>
                    <StatusText i={i} />
                  </Table.Td>
                  <Table.Td ta="right">{i.inserted.toLocaleString()}</Table.Td>
                  <Table.Td ta="right">{i.rejected.toLocaleString()}</Table.Td>
                  <Table.Td className="nowrap">{fmtDateTime(i.createdAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : null}
    </Paper>
  );
}

/** Upload a STIX bundle, MISP event or CSV list; CSV gets a column-mapping step first. */
export function IntelIngestPage() {
  const me = useCurrentMe();
  const communities = useMyCommunities(me.currentOrgId);
  const navigate = useNavigate();
  const announce = useAnnounce();
  const qc = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [kind, setKind] = useState<Kind>('stix');
  const [preview, setPreview] = useState<CsvPreview | null>(null);
  const [mapping, setMapping] = useState<Record<string, string | null>>({});
  const [defaultType, setDefaultType] = useState('auto');
  const [sharing, setSharing] = useState<SharingValue>({ tlp: 'AMBER', communityIds: [], recipientOrgIds: [] });
  const [error, setError] = useState<unknown>(null);
  const [progress, setProgress] = useState<number | null>(null);

  const loadPreview = async (f: File) => {
    setPreview(null);
    try {
      const res = await rawFetch('/api/intel/ingests/csv-preview', { method: 'POST', body: f.slice(0, 256 * 1024), headers: { 'content-type': 'text/csv' } });
      const body: unknown = await res.json().catch(() => undefined);
      if (!res.ok) throw toApiError(res, body);
      const p = body as CsvPreview;
      setPreview(p);
      const m: Record<string, string | null> = {};
      for (const f of CSV_FIELDS) {
        const v = p.mapping?.[f.key];
        m[f.key] = v === undefined ? null : typeof v === 'number' ? (p.header[v] ?? null) : v;
      }
      setMapping(m);
      setDefaultType(p.defaultType || 'auto');
    } catch (e) {
      setError(e);
    }
  };
  const choose = async (f: File | undefined) => {
    setError(null);
    setProgress(null);
    if (!f) return;
    setFile(f);
    const k = await guessKind(f);
    setKind(k);
    if (k === 'csv') await loadPreview(f);
    else setPreview(null);
  };
  const changeKind = (k: Kind) => {
    setKind(k);
    if (k === 'csv' && file && !preview) void loadPreview(file);
  };

  const start = async () => {
    if (!file) return;
    setError(null);
    setProgress(0);
    const params: Record<string, string | undefined> = {
      kind,
      filename: file.name,
      tlp: sharing.tlp,
      communityIds: sharing.communityIds.join(',') || undefined,
      recipientOrgIds: sharing.recipientOrgIds.map((r) => r.id).join(',') || undefined,
    };
    if (kind === 'csv') {
      for (const f of CSV_FIELDS) params[f.param] = mapping[f.key] ?? undefined;
      params.defaultType = defaultType;
    }
    try {
      const ingest = await upload(`/api/intel/ingests${queryString(params)}`, file, setProgress);
      announce(`${file.name} uploaded; reading it now`);
      await qc.invalidateQueries({ queryKey: ['intel', 'ingests'] });
      void navigate(`${INTEL_BASE}/ingest/${ingest.id}`);
    } catch (e) {
      setProgress(null);
      setError(e);
    }
  };
  const missingValue = kind === 'csv' && !mapping.value;

  return (
    <Page
      title="Upload threat intel"
      crumbs={[
        { label: 'Election infrastructure', to: '/infrastructure' },
        { label: 'Threat intel', to: INTEL_BASE },
      ]}
      lead={
        <>
          Share many objects at once from a file: a STIX 2.1 bundle, a MISP event export, or a CSV list of indicators (one value per row). Large files are read in the background; you can leave this page. To pull a MISP feed on a schedule instead, add it under{' '}
          <Anchor component={Link} to={`${INTEL_BASE}/misp-feeds`} underline="always">
            MISP feeds
          </Anchor>
          .
        </>
      }
    >
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
        <Paper withBorder p="lg" radius="md">
          <Stack gap="md">
            <Title order={2} fz="lg">
              1. The file
            </Title>
            <FileDropZone
              label="Intel file (STIX, MISP or CSV)"
              prompt="Drop a file here, or"
              accept=".json,.stix,.csv,.tsv,.txt,application/json,text/csv"
              disabled={progress !== null}
              onFiles={(files) => void choose(files[0])}
              progress={progress !== null ? { fraction: progress, label: `Uploading ${file?.name ?? 'the file'}: ${Math.round(progress * 100)}%` } : null}
            >
              {file ? (
                <Text fz="sm" data-testid="chosen-file">
                  {file.name} · {fmtBytes(file.size)}
                </Text>
              ) : null}
            </FileDropZone>
            {file ? (
              <div>
                <Text fz="sm" fw={600} id="kind-label" mb={4}>
                  Format
                </Text>
                <SegmentedControl
                  aria-labelledby="kind-label"
                  data={[
                    { value: 'stix', label: 'STIX bundle' },
                    { value: 'misp', label: 'MISP event' },
                    { value: 'csv', label: 'CSV list' },
                  ]}
                  value={kind}
                  onChange={(v) => changeKind(v as Kind)}
                />
              </div>
            ) : null}
            {kind === 'csv' && preview ? (
              <Stack gap="sm" data-testid="csv-mapping">
                <Title order={3} fz="md">
                  Which column is which?
                </Title>
                <Text fz="sm" c="dimmed">
                  Rampart guessed from the first rows; check the value column at least.
                </Text>
                <SimpleGrid cols={2} spacing="sm">
                  {CSV_FIELDS.map((f) => (
                    <Select
                      key={f.key}
                      label={f.label}
                      required={'required' in f}
                      placeholder="Not in the file"
                      data={preview.header.map((h) => ({ value: h, label: preview.columnTypes[h] ? `${h} (${preview.columnTypes[h]})` : h }))}
                      value={mapping[f.key] ?? null}
                      onChange={(v) => setMapping({ ...mapping, [f.key]: v })}
                      clearable={!('required' in f)}
                      error={'required' in f && !mapping[f.key] ? 'Pick the column holding the values' : undefined}
                    />
                  ))}
                  <Select label="Type when not given" data={DEFAULT_TYPES.map((t) => ({ value: t, label: t === 'auto' ? 'Detect from the value' : t }))} value={defaultType} onChange={(v) => setDefaultType(v ?? 'auto')} allowDeselect={false} />
                </SimpleGrid>
                <Table.ScrollContainer minWidth={400}>
                  <Table fz="xs" withTableBorder verticalSpacing={4}>
                    <caption style={{ captionSide: 'top', textAlign: 'left', fontSize: 13 }}>The first rows of the file</caption>
                    <Table.Thead>
                      <Table.Tr>
                        {preview.header.map((h) => (
                          <Table.Th key={h}>{h}</Table.Th>
                        ))}
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {preview.rows.slice(0, 5).map((r, i) => (
                        <Table.Tr key={i}>
                          {preview.header.map((_, j) => (
                            <Table.Td key={j} className="mono" style={{ wordBreak: 'break-all' }}>
                              {r[j] ?? ''}
                            </Table.Td>
                          ))}
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                </Table.ScrollContainer>
              </Stack>
            ) : null}
          </Stack>
        </Paper>
        <Paper withBorder p="lg" radius="md">
          <Stack gap="md">
            <Title order={2} fz="lg">
              2. Who can see it
            </Title>
            <Text fz="sm" c="dimmed">
              Objects already marked stricter in the file keep their own marking.
            </Text>
            <SharingFields value={sharing} onChange={setSharing} communities={communities.data ?? []} />
          </Stack>
        </Paper>
      </SimpleGrid>
      {error ? <ErrorAlert error={error} title="The file was not uploaded" /> : null}
      <Group>
        <Button onClick={() => void start()} disabled={!file || missingValue || progress !== null}>
          Upload and share
        </Button>
        <Button variant="default" component={Link} to={INTEL_BASE}>
          Cancel
        </Button>
      </Group>
      <RecentIngests />
    </Page>
  );
}

/** One upload's job: live status, counts and the list of objects that were refused. */
export function IntelIngestJobPage() {
  const { id = '' } = useParams();
  const qc = useQueryClient();
  const job = useQuery({
    queryKey: ['intel', 'ingest', id],
    queryFn: () => call(api.GET('/api/intel/ingests/{id}', { params: { path: { id } } })),
    // Polling as a fallback for the live events (a proxy may buffer them).
    refetchInterval: (q) => (q.state.data && (q.state.data.status === 'complete' || q.state.data.status === 'failed') ? false : 1500),
  });
  useLiveEvents(['intel.ingest.progress'], (e) => {
    if (!e.subjectId || e.subjectId === id) void qc.invalidateQueries({ queryKey: ['intel', 'ingest', id] });
  });
  const crumbs = [
    { label: 'Threat intel', to: INTEL_BASE },
    { label: 'Upload', to: `${INTEL_BASE}/ingest` },
  ];
  if (job.error) {
    return (
      <Page title="Upload not found" crumbs={crumbs}>
        <ErrorAlert error={job.error} />
      </Page>
    );
  }
  if (!job.data) return <Loading label="Loading the upload" />;
  const i = job.data;
  const done = i.status === 'complete' || i.status === 'failed';
  const pct = i.status === 'complete' ? 100 : i.progress !== null ? Math.round(i.progress * 100) : null;
  return (
    <Page title={i.filename ?? `${KIND_LABELS[i.kind]} upload`} crumbs={crumbs} lead={`${KIND_LABELS[i.kind]} · uploaded ${fmtDateTime(i.createdAt)}`}>
      <Paper withBorder p="lg" radius="md">
        <Stack gap="sm">
          <div aria-live="polite" data-testid="ingest-status">
            <Text fz="lg">
              <StatusText i={i} />
              {i.status === 'running' && pct !== null ? ` — ${pct}%` : ''}
              {i.status === 'complete' ? ` — ${plural(i.inserted, 'object')} added` : ''}
            </Text>
          </div>
          <Progress value={pct ?? (done ? 100 : 5)} animated={!done} color={i.status === 'failed' ? '#a61e1e' : undefined} size="lg" aria-label="Progress of the upload" />
          {i.bytesTotal ? (
            <Text fz="sm" c="dimmed">
              {fmtBytes(i.bytesRead)} of {fmtBytes(i.bytesTotal)} read
            </Text>
          ) : null}
          <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="md" data-testid="ingest-counts">
            {[
              ['Read', i.total],
              ['Added', i.inserted],
              ['Already in Rampart', i.duplicates],
              ['Refused', i.rejected],
            ].map(([label, n]) => (
              <div key={label}>
                <Text fz={28} fw={700}>
                  {Number(n).toLocaleString()}
                </Text>
                <Text fz="sm" c="dimmed">
                  {label}
                </Text>
              </div>
            ))}
          </SimpleGrid>
          {i.message ? <ErrorAlert error={i.message} title={i.status === 'failed' ? 'The file could not be read to the end' : 'Note'} /> : null}
          {done ? (
            <Group>
              <Button component={Link} to={`${INTEL_BASE}?source=${i.kind === 'stix' ? 'stix-file' : i.kind}`}>
                See what was added
              </Button>
              <Button variant="default" component={Link} to={`${INTEL_BASE}/ingest`}>
                Upload another file
              </Button>
            </Group>
          ) : null}
        </Stack>
      </Paper>
      <Paper withBorder p="lg" radius="md" component="section" aria-labelledby="ingest-errors">
        <Title order={2} fz="lg" mb="sm" id="ingest-errors">
          Refused objects ({(i.errors.length + i.errorsOmitted).toLocaleString()})
        </Title>
        {i.errors.length ? (
          <Table.ScrollContainer minWidth={700}>
            <Table verticalSpacing="xs" fz="sm" data-testid="ingest-error-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{i.kind === 'csv' ? 'Row' : 'Object #'}</Table.Th>
                  <Table.Th>Identifier</Table.Th>
                  <Table.Th>Where</Table.Th>
                  <Table.Th>Problem</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {i.errors.map((e, n) => (
                  <Table.Tr key={n}>
                    <Table.Td>{e.row ?? (e.index !== undefined ? e.index + 1 : '—')}</Table.Td>
                    <Table.Td className="mono" style={{ wordBreak: 'break-all' }}>
                      {e.id ?? '—'}
                    </Table.Td>
                    <Table.Td className="mono">{e.path || '—'}</Table.Td>
                    <Table.Td>{e.message}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ) : (
          <Text c="dimmed" fz="sm">
            {done ? 'Nothing was refused: every object in the file was added or was already in Rampart.' : 'None so far. Problems appear here as the file is read.'}
          </Text>
        )}
        {i.errorsOmitted ? (
          <Text fz="sm" c="dimmed" mt="xs">
            …and {plural(i.errorsOmitted, 'more problem')} not listed.
          </Text>
        ) : null}
      </Paper>
    </Page>
  );
}
