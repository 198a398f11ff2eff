import { Button, Code, Group, MultiSelect, NumberInput, Paper, SegmentedControl, Select, SimpleGrid, Stack, TagsInput, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, ApiError, call, fieldError } from '../../api';
import { useAnnounce } from '../../components/Announcer';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Page } from '../../components/Page';
import { RemoteSelect } from '../../components/RemoteSelect';
import { useCurrentMe } from '../../session';
import { buildPattern, displayName, INTEL_BASE, OBSERVABLES, objectPath, typeLabel, useMyCommunities } from './intel';
import { SharingFields, sharingBody, type SharingValue } from './parts';
import './intel.css';

type Kind = 'indicator' | 'report' | 'note';
const INDICATOR_TYPES = ['malicious-activity', 'anomalous-activity', 'attribution', 'compromised', 'benign', 'unknown'].map((v) => ({ value: v, label: v.replace(/-/g, ' ').replace(/^./, (c) => c.toUpperCase()) }));
const REPORT_TYPES = ['threat-report', 'indicator', 'campaign', 'threat-actor', 'attack-pattern', 'malware', 'vulnerability', 'observed-data', 'identity', 'tool'].map((v) => ({ value: v, label: v.replace(/-/g, ' ').replace(/^./, (c) => c.toUpperCase()) }));
const SHARED_FIELDS = ['body.tlp', 'body.communityIds', 'body.recipientOrgIds'];

const isoOrUndefined = (v: string) => (v ? new Date(v).toISOString() : undefined);

/** Objects picked for a report or note: searched on the server, listed with a remove button. */
function ObjectPicker({ value, onChange, error }: { value: { id: string; label: string }[]; onChange: (v: { id: string; label: string }[]) => void; error?: string }) {
  return (
    <div>
      <RemoteSelect
        label="Add an object"
        description="Search the threat intel you can see by name, value or words."
        placeholder="Search threat intel"
        queryKey="intel-pick"
        search={async (q) => (await call(api.GET('/api/intel/objects', { params: { query: { q: q || undefined, limit: 20 } } }))).items.filter((o) => o.type !== 'identity').map((o) => ({ value: o.id, label: `${displayName(o)} (${typeLabel(o.type)}, TLP:${o.tlp})` }))}
        value={null}
        onChange={(id, label) => {
          if (id && !value.some((v) => v.id === id)) onChange([...value, { id, label: label ?? id }]);
        }}
        error={error}
      />
      <Text fz="sm" fw={600} mt="sm" id="picked-label">
        Objects ({value.length})
      </Text>
      {value.length ? (
        <ul aria-labelledby="picked-label" style={{ paddingLeft: 18, margin: '4px 0 0' }}>
          {value.map((v) => (
            <li key={v.id}>
              {v.label}{' '}
              <button type="button" className="chip-remove" aria-label={`Remove ${v.label}`} onClick={() => onChange(value.filter((x) => x.id !== v.id))}>
                ×
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <Text fz="sm" c="dimmed">
          None yet. Pick at least one.
        </Text>
      )}
    </div>
  );
}

/** The pattern field with a helper that writes `[ipv4-addr:value = '…']` from a type and a value. */
function PatternField({ pattern, setPattern, error, position }: { pattern: string; setPattern: (p: string) => void; error?: string; position?: number }) {
  const [obs, setObs] = useState<string>('ipv4-addr');
  const [value, setValue] = useState('');
  const example = OBSERVABLES.find((o) => o.value === obs)?.example ?? '';
  return (
    <Paper withBorder p="md" radius="md" bg="gray.0">
      <Stack gap="sm">
        <Text fw={600} fz="sm">
          Build the pattern from a value
        </Text>
        <Group align="flex-end" gap="sm" wrap="wrap">
          <Select label="What is it?" data={OBSERVABLES.map((o) => ({ value: o.value, label: o.label }))} value={obs} onChange={(v) => setObs(v ?? 'ipv4-addr')} allowDeselect={false} w={220} />
          <TextInput label="Value" placeholder={example} value={value} onChange={(e) => setValue(e.currentTarget.value)} w={300} />
          <Button variant="default" disabled={!value.trim()} onClick={() => setPattern(buildPattern(obs, value))}>
            Use this value
          </Button>
        </Group>
        <Textarea
          label="STIX pattern"
          description="Filled in by the helper above, or write your own STIX 2.1 pattern."
          required
          autosize
          minRows={2}
          classNames={{ input: 'intel-pattern' }}
          value={pattern}
          onChange={(e) => setPattern(e.currentTarget.value)}
          error={error}
          spellCheck={false}
        />
        {error && typeof position === 'number' && pattern ? (
          <div aria-hidden="true">
            <Code block className="intel-pattern" data-testid="pattern-caret">
              {pattern}
              {'\n'}
              {' '.repeat(Math.max(0, Math.min(position, pattern.length)))}^
            </Code>
          </div>
        ) : null}
      </Stack>
    </Paper>
  );
}

/** Share an indicator, a report about objects, or a note on objects, with a chosen audience. */
export function IntelCreatePage() {
  const me = useCurrentMe();
  const [params, setParams] = useSearchParams();
  const kind = (['indicator', 'report', 'note'].includes(params.get('kind') ?? '') ? params.get('kind') : 'indicator') as Kind;
  const navigate = useNavigate();
  const announce = useAnnounce();
  const qc = useQueryClient();
  const communities = useMyCommunities(me.currentOrgId);

  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [pattern, setPattern] = useState('');
  const [indicatorTypes, setIndicatorTypes] = useState<string[]>(['malicious-activity']);
  const [reportTypes, setReportTypes] = useState<string[]>(['threat-report']);
  const [validFrom, setValidFrom] = useState('');
  const [validUntil, setValidUntil] = useState('');
  const [labels, setLabels] = useState<string[]>([]);
  const [confidence, setConfidence] = useState<number | string>('');
  const [objects, setObjects] = useState<{ id: string; label: string }[]>(() => {
    const about = params.get('about');
    return about ? [{ id: about, label: params.get('aboutName') ?? about }] : [];
  });
  const [sharing, setSharing] = useState<SharingValue>({ tlp: 'AMBER', communityIds: [], recipientOrgIds: [] });

  const create = useMutation({
    mutationFn: async () => {
      const share = sharingBody(sharing);
      if (kind === 'indicator') {
        return call(
          api.POST('/api/intel/indicators', {
            body: {
              name,
              description: description || undefined,
              pattern,
              indicatorTypes: indicatorTypes.length ? indicatorTypes : undefined,
              validFrom: isoOrUndefined(validFrom),
              validUntil: isoOrUndefined(validUntil),
              labels: labels.length ? labels : undefined,
              confidence: typeof confidence === 'number' ? confidence : undefined,
              ...share,
            },
          }),
        );
      }
      if (kind === 'report') {
        return call(api.POST('/api/intel/reports', { body: { name, description: description || undefined, reportTypes: reportTypes.length ? reportTypes : undefined, objectIds: objects.map((o) => o.id), labels: labels.length ? labels : undefined, published: new Date().toISOString(), ...share } }));
      }
      return call(api.POST('/api/intel/notes', { body: { abstract: name || undefined, content: description, objectIds: objects.map((o) => o.id), ...share } }));
    },
    onSuccess: async (r) => {
      await qc.invalidateQueries({ queryKey: ['intel'] });
      announce(`${typeLabel(r.summary.type)} shared as TLP:${r.summary.tlp}`);
      void navigate(objectPath(r.summary.id));
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const err = create.error;
  const position = err instanceof ApiError ? ((err.body as { error?: { details?: { position?: number } } } | undefined)?.error?.details?.position ?? undefined) : undefined;
  const inline = ['body.name', 'body.description', 'body.pattern', 'body.validFrom', 'body.validUntil', 'body.confidence', 'body.labels', 'body.objectIds', 'body.content', 'body.abstract', ...SHARED_FIELDS];

  const canShare = me.role === 'analyst' || me.role === 'org_admin';
  const title = kind === 'indicator' ? 'Share an indicator' : kind === 'report' ? 'Write a report' : 'Add a note';

  return (
    <Page
      title={title}
      crumbs={[
        { label: 'Election infrastructure', to: '/infrastructure' },
        { label: 'Threat intel', to: INTEL_BASE },
      ]}
      lead="What you share is signed with your organisation’s name and marked with the TLP you choose below."
    >
      {!canShare ? (
        <ErrorAlert error="Only analysts and organisation admins can share threat intel. Ask an admin of your organisation for the analyst role." title="You cannot share yet" />
      ) : null}
      <SegmentedControl
        aria-label="What do you want to share?"
        data={[
          { value: 'indicator', label: 'Indicator' },
          { value: 'report', label: 'Report' },
          { value: 'note', label: 'Note' },
        ]}
        value={kind}
        onChange={(v) => {
          create.reset();
          const next = new URLSearchParams(params);
          next.set('kind', v);
          setParams(next, { replace: true });
        }}
        style={{ alignSelf: 'flex-start' }}
      />
      <form onSubmit={submit} noValidate aria-label={title}>
        <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
          <Paper withBorder p="lg" radius="md">
            <Stack gap="md">
              <Title order={2} fz="lg">
                {kind === 'indicator' ? 'The indicator' : kind === 'report' ? 'The report' : 'The note'}
              </Title>
              {kind === 'note' ? (
                <>
                  <TextInput label="Summary" description="One line (optional)." value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldError(err, 'body.abstract')} />
                  <Textarea label="Note" required autosize minRows={4} value={description} onChange={(e) => setDescription(e.currentTarget.value)} error={fieldError(err, 'body.content')} />
                </>
              ) : (
                <>
                  <TextInput label="Name" required description={kind === 'indicator' ? 'What it is, for a busy reader: “Phishing site imitating the county results page”.' : undefined} value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldError(err, 'body.name')} />
                  <Textarea label="Description" autosize minRows={3} value={description} onChange={(e) => setDescription(e.currentTarget.value)} error={fieldError(err, 'body.description')} />
                </>
              )}
              {kind === 'indicator' ? (
                <>
                  <PatternField pattern={pattern} setPattern={setPattern} error={fieldError(err, 'body.pattern')} position={position} />
                  <MultiSelect label="Indicator types" data={INDICATOR_TYPES} value={indicatorTypes} onChange={setIndicatorTypes} clearable />
                  <Group grow align="flex-start">
                    <TextInput type="datetime-local" label="Valid from" description="Empty: now" value={validFrom} onChange={(e) => setValidFrom(e.currentTarget.value)} error={fieldError(err, 'body.validFrom')} />
                    <TextInput type="datetime-local" label="Valid until" description="Empty: no end" value={validUntil} onChange={(e) => setValidUntil(e.currentTarget.value)} error={fieldError(err, 'body.validUntil')} />
                  </Group>
                  <NumberInput label="Confidence (0–100)" min={0} max={100} value={confidence} onChange={setConfidence} error={fieldError(err, 'body.confidence')} w={200} />
                </>
              ) : null}
              {kind === 'report' ? <MultiSelect label="Report types" data={REPORT_TYPES} value={reportTypes} onChange={setReportTypes} clearable /> : null}
              {kind !== 'note' ? <TagsInput label="Labels" description="Press Enter after each label." value={labels} onChange={setLabels} error={fieldError(err, 'body.labels')} /> : null}
              {kind !== 'indicator' ? <ObjectPicker value={objects} onChange={setObjects} error={fieldError(err, 'body.objectIds')} /> : null}
            </Stack>
          </Paper>
          <Paper withBorder p="lg" radius="md">
            <Stack gap="md">
              <Title order={2} fz="lg">
                Who can see it
              </Title>
              <SharingFields
                value={sharing}
                onChange={setSharing}
                communities={communities.data ?? []}
                errors={{ tlp: fieldError(err, 'body.tlp'), communityIds: fieldError(err, 'body.communityIds'), recipientOrgIds: fieldError(err, 'body.recipientOrgIds') }}
              />
            </Stack>
          </Paper>
        </SimpleGrid>
        <Stack mt="lg" gap="sm">
          {err ? <ErrorAlert error={err} title={`The ${kind} was not shared`} shownInline={inline} /> : null}
          <Group>
            <Button type="submit" loading={create.isPending} disabled={!canShare}>
              {kind === 'indicator' ? 'Share indicator' : kind === 'report' ? 'Share report' : 'Share note'}
            </Button>
            <Button variant="default" component={Link} to={INTEL_BASE}>
              Cancel
            </Button>
          </Group>
        </Stack>
      </form>
    </Page>
  );
}
