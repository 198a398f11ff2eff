import { Anchor, Button, Code, CopyButton, Grid, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { api, ApiError, call } from '../../api';
import { Empty } from '../../components/Empty';
import { ErrorAlert } from '../../components/ErrorAlert';
import { fmtDateTime } from '../../components/format';
import { Loading } from '../../components/Loading';
import { Page } from '../../components/Page';
import { Tag } from '../../components/Tag';
import { TlpBadge } from '../../components/TlpBadge';
import type { Tlp } from '../../theme';
import { displayName, downloadJson, INTEL_BASE, objectPath, sourceLabel, typeLabel, type ObjectDetail, type VersionList } from './intel';
import { ObjectRef, TypeLabel } from './parts';
import './intel.css';

type Stix = Record<string, unknown>;
const AUDIENCE: Record<Tlp, string> = {
  CLEAR: 'Anyone may see it.',
  GREEN: 'Members of the communities below, and the organisations named.',
  AMBER: 'The sharing organisation, the offices under it, and the organisations named.',
  'AMBER+STRICT': 'Only the sharing organisation and the organisations named.',
  RED: 'Only the person who shared it and the people named.',
};
const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v : null);
const strs = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

const REF_LABELS: Record<string, string> = {
  created_by_ref: 'Created by',
  object_refs: 'About',
  sighting_of_ref: 'Sighting of',
  observed_data_refs: 'Observed data',
  where_sighted_refs: 'Seen at',
  source_ref: 'From',
  target_ref: 'To',
  sample_refs: 'Samples',
  operating_system_refs: 'Operating systems',
  resolves_to_refs: 'Resolves to',
  belongs_to_refs: 'Belongs to',
};
const refLabel = (p: string) => REF_LABELS[p] ?? p.replace(/_refs?$/, '').replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

function Section({ title, id, children, count }: { title: string; id: string; children: ReactNode; count?: number }) {
  return (
    <Paper withBorder p="lg" radius="md" component="section" aria-labelledby={id}>
      <Title order={2} fz="lg" mb="sm" id={id}>
        {title}
        {count !== undefined ? (
          <Text span c="dimmed" fz="sm" fw={400} ml={8}>
            ({count})
          </Text>
        ) : null}
      </Title>
      {children}
    </Paper>
  );
}

function Copy({ value, label }: { value: string; label: string }) {
  return (
    <CopyButton value={value}>
      {({ copied, copy }) => (
        <Button size="xs" variant={copied ? 'filled' : 'default'} onClick={copy} aria-label={`Copy ${label}`}>
          {copied ? 'Copied' : 'Copy'}
        </Button>
      )}
    </CopyButton>
  );
}

/** The human-readable fields of a STIX object: only those it has. */
function Fields({ o }: { o: Stix }) {
  const rows: [string, ReactNode][] = [];
  const desc = str(o.description);
  if (desc) rows.push(['Description', <Text key="d" style={{ whiteSpace: 'pre-wrap' }}>{desc}</Text>]);
  const abstract = str(o.abstract);
  if (abstract) rows.push(['Summary', abstract]);
  const content = str(o.content);
  if (content) rows.push(['Note', <Text key="c" style={{ whiteSpace: 'pre-wrap' }}>{content}</Text>]);
  const pattern = str(o.pattern);
  if (pattern) {
    rows.push([
      'Pattern',
      <Group key="p" gap="sm" wrap="nowrap" align="flex-start">
        <Code block className="intel-pattern" style={{ flex: 1 }} data-testid="pattern">
          {pattern}
        </Code>
        <Copy value={pattern} label="pattern" />
      </Group>,
    ]);
    if (str(o.pattern_type) && o.pattern_type !== 'stix') rows.push(['Pattern language', String(o.pattern_type)]);
  }
  const value = str(o.value);
  if (value) rows.push(['Value', <Group key="v" gap="sm" wrap="nowrap" align="flex-start"><span className="mono" style={{ wordBreak: 'break-all', flex: 1 }}>{value}</span><Copy value={value} label="value" /></Group>]);
  if (o.hashes && typeof o.hashes === 'object') {
    rows.push(['Hashes', <Stack key="h" gap={2}>{Object.entries(o.hashes as Record<string, string>).map(([k, v]) => <span key={k}><Text span fw={600}>{k}</Text> <span className="mono" style={{ wordBreak: 'break-all' }}>{String(v)}</span></span>)}</Stack>]);
  }
  const typeLists: [string, string][] = [['indicator_types', 'Indicator types'], ['report_types', 'Report types'], ['malware_types', 'Malware types'], ['threat_actor_types', 'Threat actor types'], ['infrastructure_types', 'Infrastructure types'], ['tool_types', 'Tool types'], ['aliases', 'Also known as'], ['authors', 'Authors']];
  for (const [k, label] of typeLists) {
    const v = strs(o[k]);
    if (v.length) rows.push([label, v.join(', ')]);
  }
  if (str(o.relationship_type)) rows.push(['Relationship', String(o.relationship_type)]);
  const labels = strs(o.labels);
  if (labels.length) rows.push(['Labels', <Group key="l" gap={6}>{labels.map((l) => <Tag key={l}>{l}</Tag>)}</Group>]);
  if (str(o.valid_from) || str(o.valid_until)) {
    rows.push(['Valid', `${str(o.valid_from) ? `from ${fmtDateTime(String(o.valid_from))}` : ''}${str(o.valid_until) ? ` until ${fmtDateTime(String(o.valid_until))}` : ' (no end date)'}`]);
  }
  if (str(o.first_seen) || str(o.last_seen)) rows.push(['Seen', `${fmtDateTime(str(o.first_seen))} – ${fmtDateTime(str(o.last_seen))}`]);
  if (str(o.published)) rows.push(['Published', fmtDateTime(String(o.published))]);
  if (Array.isArray(o.kill_chain_phases) && o.kill_chain_phases.length) {
    rows.push([
      'Kill-chain phases',
      <Stack key="k" gap={2}>
        {(o.kill_chain_phases as { kill_chain_name?: string; phase_name?: string }[]).map((p, i) => (
          <span key={i}>
            {p.phase_name} <Text span c="dimmed" fz="sm">({p.kill_chain_name})</Text>
          </span>
        ))}
      </Stack>,
    ]);
  }
  if (typeof o.confidence === 'number') rows.push(['Confidence', `${o.confidence} / 100`]);
  if (o.revoked === true) rows.push(['Revoked', 'Yes — the producer withdrew this object']);
  if (Array.isArray(o.external_references) && o.external_references.length) {
    rows.push([
      'External references',
      <Stack key="x" gap={2}>
        {(o.external_references as { source_name?: string; url?: string; external_id?: string; description?: string }[]).map((r, i) => (
          <span key={i}>
            {r.source_name}
            {r.external_id ? ` ${r.external_id}` : ''}
            {r.url && /^https?:\/\//.test(r.url) ? (
              <>
                {' '}
                <Anchor href={r.url} target="_blank" rel="noopener noreferrer" style={{ wordBreak: 'break-all' }}>
                  {r.url}
                </Anchor>
              </>
            ) : null}
            {r.description ? <Text span c="dimmed" fz="sm"> — {r.description}</Text> : null}
          </span>
        ))}
      </Stack>,
    ]);
  }
  rows.push(['Created', fmtDateTime(str(o.created))]);
  rows.push(['Last modified', fmtDateTime(str(o.modified))]);
  rows.push(['STIX identifier', <Group key="id" gap="sm" wrap="nowrap" align="flex-start"><span className="mono" style={{ wordBreak: 'break-all', flex: 1 }}>{String(o.id)}</span><Copy value={String(o.id)} label="STIX identifier" /></Group>]);
  return (
    <dl className="intel-dl">
      {rows.map(([k, v]) => (
        <div key={k} style={{ display: 'contents' }}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function SharingPanel({ d }: { d: ObjectDetail }) {
  const s = d.sharing;
  const orgNames = useQuery({
    queryKey: ['intel', 'recipient-names', s.recipientOrgIds],
    enabled: !!s.recipientOrgIds?.length,
    queryFn: () => Promise.all((s.recipientOrgIds ?? []).map((id) => call(api.GET('/api/organisations/{id}', { params: { path: { id } } })).then((o) => o.name, () => 'An organisation you cannot see'))),
  });
  return (
    <Section title="Who can see this" id="sharing">
      <Stack gap="sm">
        <div>
          <TlpBadge tlp={s.tlp} />
          <Text fz="sm" mt={4}>
            {AUDIENCE[s.tlp]}
          </Text>
        </div>
        <div>
          <Text fw={600} fz="sm">
            Shared by
          </Text>
          <Text fz="sm">
            {s.ownerOrg ? (
              <Anchor component={Link} to={`/directory/organisations/${s.ownerOrg.id}`}>
                {s.ownerOrg.name ?? 'An organisation'}
              </Anchor>
            ) : (
              'A source outside Rampart'
            )}
          </Text>
          <Text fz="xs" c="dimmed">
            Source: {sourceLabel(d.summary.source)} · added {fmtDateTime(d.summary.dateAdded)}
          </Text>
        </div>
        <div>
          <Text fw={600} fz="sm">
            Communities
          </Text>
          <Text fz="sm">{s.communities.length ? s.communities.map((c) => c.name).join(', ') : 'None'}</Text>
        </div>
        {s.recipientOrgIds !== undefined ? (
          <div>
            <Text fw={600} fz="sm">
              Recipient organisations
            </Text>
            <Text fz="sm">{s.recipientOrgIds.length ? (orgNames.data ?? []).join(', ') || 'Loading…' : 'None'}</Text>
            <Text fw={600} fz="sm" mt={6}>
              Recipient people
            </Text>
            <Text fz="sm">{s.recipientUserIds?.length ? `${s.recipientUserIds.length} named people` : 'None'}</Text>
          </div>
        ) : null}
      </Stack>
    </Section>
  );
}

/** The top-level properties that differ between two versions. */
function changedKeys(a: Stix, b: Stix): { added: string[]; removed: string[]; changed: string[] } {
  const skip = new Set(['modified']);
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  const out = { added: [] as string[], removed: [] as string[], changed: [] as string[] };
  for (const k of keys) {
    if (skip.has(k)) continue;
    if (!(k in a)) out.added.push(k);
    else if (!(k in b)) out.removed.push(k);
    else if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) out.changed.push(k);
  }
  return out;
}

function Versions({ id, count }: { id: string; count: number }) {
  const versions = useQuery({ queryKey: ['intel', 'versions', id], queryFn: () => call(api.GET('/api/intel/objects/{id}/versions', { params: { path: { id } } })) });
  const items: VersionList['items'] = versions.data?.items ?? [];
  return (
    <Section title="Version history" id="versions" count={count}>
      {versions.error ? <ErrorAlert error={versions.error} title="Could not load the versions" /> : null}
      {versions.isPending ? <Loading label="Loading versions" /> : null}
      {items.length ? (
        <Table verticalSpacing="xs" fz="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Modified</Table.Th>
              <Table.Th>Added to Rampart</Table.Th>
              <Table.Th>TLP</Table.Th>
              <Table.Th>What changed</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {[...items].reverse().map((v) => {
              const i = items.indexOf(v);
              const prev = i > 0 ? items[i - 1] : null;
              const diff = prev ? changedKeys(prev.object, v.object) : null;
              return (
                <Table.Tr key={v.version}>
                  <Table.Td>
                    <div className="nowrap">{fmtDateTime(v.modified)}</div>
                    {v.isLatest ? (
                      <Text fz="xs" fw={700} c="rampart.9">
                        Current version
                      </Text>
                    ) : null}
                  </Table.Td>
                  <Table.Td className="nowrap">{fmtDateTime(v.dateAdded)}</Table.Td>
                  <Table.Td>
                    <TlpBadge tlp={v.tlp} />
                  </Table.Td>
                  <Table.Td>
                    {!diff ? (
                      'First version'
                    ) : diff.added.length + diff.removed.length + diff.changed.length === 0 ? (
                      'Only the modified time'
                    ) : (
                      <Stack gap={2}>
                        {diff.changed.length ? <span>Changed: <span className="mono">{diff.changed.join(', ')}</span></span> : null}
                        {diff.added.length ? <span className="intel-diff-add">Added: <span className="mono">{diff.added.join(', ')}</span></span> : null}
                        {diff.removed.length ? <span>Removed: <span className="mono intel-diff-del">{diff.removed.join(', ')}</span></span> : null}
                      </Stack>
                    )}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      ) : null}
    </Section>
  );
}

/** One STIX object, readable: its fields, who may see it, what it points at and what points at it. */
export function IntelObjectPage() {
  const { id = '' } = useParams();
  const detail = useQuery({ queryKey: ['intel', 'object', id], queryFn: () => call(api.GET('/api/intel/objects/{id}', { params: { path: { id } } })) });
  const crumbs = [
    { label: 'Election infrastructure', to: '/infrastructure' },
    { label: 'Threat intel', to: INTEL_BASE },
  ];

  if (detail.error) {
    const notFound = detail.error instanceof ApiError && (detail.error.status === 404 || detail.error.status === 400);
    return (
      <Page title={notFound ? 'Object not found' : 'Could not load the object'} crumbs={crumbs}>
        {notFound ? (
          <Empty title="Not available" action={<Button component={Link} to={INTEL_BASE} variant="default">Back to threat intel</Button>}>
            This object does not exist, or it has not been shared with your organisation.
          </Empty>
        ) : (
          <ErrorAlert error={detail.error} />
        )}
      </Page>
    );
  }
  if (!detail.data) return <Loading label="Loading the object" />;
  const d = detail.data;
  const o = d.object as Stix;
  const title = displayName(d.summary);
  const out = d.relationships.filter((r) => r.direction === 'out');
  const inbound = d.relationships.filter((r) => r.direction === 'in');

  return (
    <Page
      title={title}
      crumbs={crumbs}
      lead={
        <Group gap="sm" component="span">
          <TypeLabel type={d.summary.type} />
          <TlpBadge tlp={d.summary.tlp} />
          <span>
            Shared by {d.sharing.ownerOrg?.name ?? 'a source outside Rampart'} · {fmtDateTime(d.summary.dateAdded)}
          </span>
        </Group>
      }
      actions={
        <>
        <Button variant="default" component={Link} to={`${INTEL_BASE}/new?kind=note&about=${encodeURIComponent(d.summary.id)}&aboutName=${encodeURIComponent(title)}`}>
          Add a note
        </Button>
        <Button variant="default" onClick={() => downloadJson(`${d.summary.id}.json`, { type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects: [d.object] })}>
          Export as STIX bundle
        </Button>
        </>
      }
    >
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 8 }}>
          <Stack gap="lg">
            <Section title={`About this ${typeLabel(d.summary.type).toLowerCase()}`} id="about">
              <Fields o={o} />
            </Section>

            <Section title="Refers to" id="references" count={d.references.length}>
              {d.references.length ? (
                <Table verticalSpacing="xs" fz="sm">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th w={200}>Property</Table.Th>
                      <Table.Th>Object</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {d.references.map((r, i) => (
                      <Table.Tr key={`${r.property}-${r.id}-${i}`}>
                        <Table.Td>{refLabel(r.property)}</Table.Td>
                        <Table.Td>
                          <ObjectRef end={r} />
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              ) : (
                <Text c="dimmed" fz="sm">This object does not refer to other objects.</Text>
              )}
              {d.references.some((r) => r.status === 'dangling') ? (
                <Text c="dimmed" fz="xs" mt="xs">
                  “Not available” means the object is not in Rampart or has not been shared with you.
                </Text>
              ) : null}
            </Section>

            <Section title="Relationships" id="relationships" count={d.relationships.length}>
              {d.relationships.length ? (
                <Table verticalSpacing="xs" fz="sm">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>This object…</Table.Th>
                      <Table.Th>Other object</Table.Th>
                      <Table.Th>TLP</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {[...out, ...inbound].map((r) => (
                      <Table.Tr key={r.id + r.direction}>
                        <Table.Td>
                          <Anchor component={Link} to={objectPath(r.id)}>
                            {r.direction === 'out' ? r.relationshipType.replace(/-/g, ' ') : `is the target of “${r.relationshipType.replace(/-/g, ' ')}” from`}
                          </Anchor>
                          {r.type === 'sighting' ? <Text span c="dimmed" fz="xs"> (sighting)</Text> : null}
                        </Table.Td>
                        <Table.Td>
                          <ObjectRef end={r.other} />
                        </Table.Td>
                        <Table.Td>
                          <TlpBadge tlp={r.tlp} />
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              ) : (
                <Text c="dimmed" fz="sm">No relationships you can see.</Text>
              )}
            </Section>

            <Versions id={d.summary.id} count={d.versionCount} />

            <Paper withBorder p="lg" radius="md">
              <details>
                <summary style={{ cursor: 'pointer', fontWeight: 650 }}>Raw STIX JSON</summary>
                <Group justify="flex-end" my="xs">
                  <Copy value={JSON.stringify(d.object, null, 2)} label="raw JSON" />
                </Group>
                <Code block className="intel-pattern" style={{ maxHeight: 480, overflow: 'auto' }} tabIndex={0} aria-label="Raw STIX JSON">
                  {JSON.stringify(d.object, null, 2)}
                </Code>
              </details>
            </Paper>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Stack gap="lg">
            <SharingPanel d={d} />
            <Section title="Also seen as…" id="correlated" count={d.correlated.length}>
              {d.correlated.length ? (
                <Stack gap="xs" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
                  {d.correlated.map((c) => (
                    <li key={c.id + c.key}>
                      <ObjectRef end={{ id: c.id, status: 'resolved', type: c.type, name: c.name }} />
                      <Group gap={6} mt={2}>
                        <TlpBadge tlp={c.tlp} />
                        <Text fz="xs" c="dimmed">
                          {c.ownerName ?? 'Outside Rampart'} · same value <span className="mono">{c.key}</span>
                        </Text>
                      </Group>
                    </li>
                  ))}
                </Stack>
              ) : (
                <Text c="dimmed" fz="sm">No other object you can see shares a value with this one.</Text>
              )}
            </Section>
          </Stack>
        </Grid.Col>
      </Grid>
    </Page>
  );
}
