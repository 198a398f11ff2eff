import { Button, Group, MultiSelect, Paper, Radio, Stack, Tabs, Text, Textarea, TextInput, Title, Typography } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { api, call, fieldError } from '../../api';
import { useAnnounce } from '../../components/Announcer';
import { ErrorAlert } from '../../components/ErrorAlert';
import { plural } from '../../components/format';
import { Loading } from '../../components/Loading';
import { Page } from '../../components/Page';
import { useCurrentMe } from '../../session';
import { KIND_OPTIONS } from '../directory/labels';
import { STATE_OPTIONS } from '../incidents/incidents';
import { useMyCommunities } from '../intel/intel';
import { SharingFields, type SharingValue } from '../intel/parts';
import { ALERTS_BASE, alertPath, emptyTarget, LEVEL_MEANING, LEVELS, type Alert, type Level, type Target } from './alerts';
import { LevelBadge } from './parts';

const lines = (s: string) => s.split('\n').map((x) => x.trim()).filter(Boolean);

/** Counts the audience of what is on the form now (targeting and sharing, saved or not), as the server's fan-out would. */
function AudiencePreview({ target, sharing }: { target: Target; sharing: SharingValue }) {
  const body = { target, tlp: sharing.tlp, communityIds: sharing.communityIds, recipientOrgIds: sharing.recipientOrgIds.map((r) => r.id) };
  const key = JSON.stringify(body);
  const [debounced, setDebounced] = useState(key);
  useEffect(() => {
    const t = setTimeout(() => setDebounced(key), 400);
    return () => clearTimeout(t);
  }, [key]);
  const empty = Object.values(target).every((v) => v.length === 0);
  const q = useQuery({
    queryKey: ['alerts', 'audience', debounced],
    enabled: !empty,
    queryFn: () => call(api.POST('/api/alerts/preview-audience', { body: JSON.parse(debounced) as typeof body })),
  });
  let text: string;
  if (empty) text = 'Choose at least one organisation kind, state or community.';
  else if (q.isFetching || debounced !== key) text = 'Counting recipients…';
  else if (q.error) text = 'The audience could not be counted.';
  else if (q.data) {
    const ex = q.data.excludedByTlp;
    text = `${plural(q.data.organisations, 'organisation')}, ${plural(q.data.people, 'person', 'people')} will receive it.` + (ex.organisations || ex.people ? ` ${plural(ex.organisations, 'organisation')} and ${plural(ex.people, 'person', 'people')} are targeted but not allowed to see it under this TLP.` : '');
  } else text = '';
  return (
    <Text data-testid="audience-preview" fw={600} role="status" aria-live="polite">
      {text}
    </Text>
  );
}

function Form({ existing }: { existing?: Alert }) {
  const me = useCurrentMe();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const announce = useAnnounce();
  const communities = useMyCommunities(me.currentOrgId);
  const [title, setTitle] = useState(existing?.title ?? '');
  const [kind, setKind] = useState<'advisory' | 'alert'>(existing?.kind ?? 'alert');
  const [level, setLevel] = useState<Level>(existing?.level ?? 'Elevated');
  const [summary, setSummary] = useState(existing?.summary ?? '');
  const [body, setBody] = useState(existing?.body ?? '');
  const [actions, setActions] = useState((existing?.recommendedActions ?? []).join('\n'));
  const [sectors, setSectors] = useState((existing?.affectedSectors ?? []).join(', '));
  const [jurisdictions, setJurisdictions] = useState<string[]>(existing?.affectedJurisdictions ?? []);
  const [stixRefs, setStixRefs] = useState((existing?.stixRefs ?? []).join('\n'));
  const [sharing, setSharing] = useState<SharingValue>({ tlp: existing?.tlp ?? 'GREEN', communityIds: existing?.communityIds ?? [], recipientOrgIds: (existing?.recipientOrgIds ?? []).map((id) => ({ id, label: 'Named organisation' })) });
  const [target, setTarget] = useState<Target>((existing?.target as Target | undefined) ?? emptyTarget());
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);

  const save = async () => {
    setError(null);
    setSaving(true);
    const content = {
      title, level, summary, body,
      recommendedActions: lines(actions),
      affectedSectors: sectors.split(',').map((s) => s.trim()).filter(Boolean),
      affectedJurisdictions: jurisdictions,
      stixRefs: lines(stixRefs),
      target,
      tlp: sharing.tlp,
      communityIds: sharing.communityIds,
      recipientOrgIds: sharing.recipientOrgIds.map((r) => r.id),
    };
    try {
      const r = existing
        ? await call(api.PATCH('/api/alerts/{id}', { params: { path: { id: existing.id } }, body: content }))
        : await call(api.POST('/api/alerts', { body: { ...content, kind } }));
      qc.setQueryData(['alert', r.id], r);
      await qc.invalidateQueries({ queryKey: ['alerts'] });
      announce(existing ? 'Alert saved' : `Draft ${r.number} saved`);
      void navigate(existing ? alertPath(r.id) : `${ALERTS_BASE}/${r.id}/edit`, { replace: !existing });
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };
  const f = (p: string) => fieldError(error, `body.${p}`);
  const inline = ['title', 'level', 'summary', 'body', 'recommendedActions', 'affectedSectors', 'affectedJurisdictions', 'stixRefs', 'tlp', 'communityIds', 'target'].map((p) => `body.${p}`);

  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <Stack gap="lg" maw={880}>
        <ErrorAlert error={error} title="The alert was not saved" shownInline={inline} />
        <TextInput label="Title" required value={title} onChange={(e) => setTitle(e.currentTarget.value)} error={f('title')} maxLength={300} />
        {!existing ? (
          <Radio.Group label="Kind" value={kind} onChange={(v) => setKind(v as 'advisory' | 'alert')}>
            <Group mt="xs">
              <Radio value="alert" label="Alert: something is happening" />
              <Radio value="advisory" label="Advisory: guidance and awareness" />
            </Group>
          </Radio.Group>
        ) : null}
        <Radio.Group label="Level" required value={level} onChange={(v) => setLevel(v as Level)} error={f('level')}>
          <Stack gap={6} mt="xs">
            {LEVELS.map((l) => (
              <Radio key={l} value={l} label={<Group gap={8} wrap="nowrap" align="baseline"><LevelBadge level={l} /><span>{LEVEL_MEANING[l]}</span></Group>} aria-label={l} />
            ))}
          </Stack>
        </Radio.Group>
        <Textarea label="Summary" description="Two or three sentences: what, who, what to do." autosize minRows={2} value={summary} onChange={(e) => setSummary(e.currentTarget.value)} error={f('summary')} />
        <div>
          <Tabs defaultValue="write">
            <Tabs.List aria-label="Body">
              <Tabs.Tab value="write">Write</Tabs.Tab>
              <Tabs.Tab value="preview">Preview</Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="write" pt="xs">
              <Textarea label="Body (Markdown)" description="Headings, lists, links and emphasis. Images are not allowed." autosize minRows={6} value={body} onChange={(e) => setBody(e.currentTarget.value)} error={f('body')} />
            </Tabs.Panel>
            <Tabs.Panel value="preview" pt="xs">
              {existing && existing.body === body && existing.bodyHtml ? (
                <Typography>
                  {/* Rendered and sanitised by the server. */}
                  <div dangerouslySetInnerHTML={{ __html: existing.bodyHtml }} />
                </Typography>
              ) : (
                <>
                  <Text fz="sm" c="dimmed" mb="xs">Formatting is shown once the draft is saved (the server renders and cleans it). The text as written:</Text>
                  <Text style={{ whiteSpace: 'pre-wrap' }}>{body || 'Nothing written yet.'}</Text>
                </>
              )}
            </Tabs.Panel>
          </Tabs>
        </div>
        <Textarea label="Recommended actions" description="One action per line." autosize minRows={3} value={actions} onChange={(e) => setActions(e.currentTarget.value)} error={f('recommendedActions')} />
        <TextInput label="Affected sectors" description="Separated by commas, for example: voter registration, e-pollbooks" value={sectors} onChange={(e) => setSectors(e.currentTarget.value)} error={f('affectedSectors')} />
        <MultiSelect label="Affected states" data={STATE_OPTIONS} value={jurisdictions} onChange={setJurisdictions} searchable clearable error={f('affectedJurisdictions')} />
        <Textarea label="Linked threat intel" description="STIX ids, one per line (for example indicator--…)." autosize minRows={2} value={stixRefs} onChange={(e) => setStixRefs(e.currentTarget.value)} error={f('stixRefs')} />

        <Paper withBorder p="md" radius="md" component="fieldset" style={{ border: undefined }}>
          <Title order={2} fz="lg" component="legend">Who receives it</Title>
          <Text fz="sm" c="dimmed" mb="sm">Organisations that match every choice below receive it (for example: state election offices in Arizona).</Text>
          <Stack gap="md">
            <MultiSelect label="Organisation kinds" data={KIND_OPTIONS} value={target.orgKinds} onChange={(v) => setTarget({ ...target, orgKinds: v as Target['orgKinds'] })} searchable clearable error={f('target.orgKinds') ?? f('target')} />
            <MultiSelect label="States" data={STATE_OPTIONS} value={target.states} onChange={(v) => setTarget({ ...target, states: v })} searchable clearable />
            <MultiSelect label="Target communities" data={(communities.data ?? []).map((c) => ({ value: c.id, label: c.name }))} value={target.communityIds} onChange={(v) => setTarget({ ...target, communityIds: v })} searchable clearable />
            <AudiencePreview target={target} sharing={sharing} />
          </Stack>
        </Paper>

        <Paper withBorder p="md" radius="md">
          <Title order={2} fz="lg" mb="sm">Who may see it</Title>
          <SharingFields value={sharing} onChange={setSharing} communities={communities.data ?? []} errors={{ tlp: f('tlp'), communityIds: f('communityIds'), recipientOrgIds: f('recipientOrgIds') }} />
        </Paper>
        <Group>
          <Button type="submit" loading={saving}>{existing ? (existing.status === 'published' ? 'Save as a new revision' : 'Save') : 'Save draft'}</Button>
          {existing ? <Button variant="default" onClick={() => void navigate(alertPath(existing.id))}>Back to the alert</Button> : null}
        </Group>
      </Stack>
    </form>
  );
}

export function AlertFormPage() {
  const { id } = useParams();
  const q = useQuery({ queryKey: ['alert', id], enabled: !!id, queryFn: () => call(api.GET('/api/alerts/{id}', { params: { path: { id: id! } } })) });
  const crumbs = [{ label: 'Warning & response', to: '/warning' }, { label: 'Alerts', to: ALERTS_BASE }];
  if (!id) return <Page title="Draft an alert" crumbs={crumbs} lead="Drafts are seen only by your organisation’s analysts until published."><Form /></Page>;
  if (q.isPending) return <Page title="Edit alert" crumbs={crumbs}><Loading /></Page>;
  if (q.error) return <Page title="Edit alert" crumbs={crumbs}><ErrorAlert error={q.error} /></Page>;
  return (
    <Page title={`Edit ${q.data.number}`} crumbs={[...crumbs, { label: q.data.number, to: alertPath(q.data.id) }]}>
      <Form key={q.data.id + q.data.updatedAt} existing={q.data} />
    </Page>
  );
}
