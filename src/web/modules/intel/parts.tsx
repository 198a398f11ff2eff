import { Anchor, Group, MultiSelect, Radio, Stack, Text } from '@mantine/core';
import { Link } from 'react-router';
import { api, call } from '../../api';
import { RemoteSelect } from '../../components/RemoteSelect';
import { TlpBadge } from '../../components/TlpBadge';
import type { Tlp } from '../../theme';
import { displayName, objectPath, TLP_MEANING, TLP_ORDER, typeLabel } from './intel';

/** A small decorative glyph per family of STIX types; the text label always sits beside it. */
function glyph(type: string): string {
  if (type === 'indicator') return 'M8 1.5a6.5 6.5 0 1 0 0 13 6.5 6.5 0 0 0 0-13Zm0 3a3.5 3.5 0 1 1 0 7 3.5 3.5 0 0 1 0-7Zm0 2.2a1.3 1.3 0 1 0 0 2.6 1.3 1.3 0 0 0 0-2.6Z';
  if (type === 'report' || type === 'grouping') return 'M3 1.5h7l3 3v10H3v-13Zm2 5h6v1H5v-1Zm0 2.5h6v1H5V9Zm0 2.5h4v1H5v-1Z';
  if (type === 'note' || type === 'opinion') return 'M2 2.5h12v8H7l-3 3v-3H2v-8Z';
  if (type === 'relationship' || type === 'sighting') return 'M2 7h8.5L8 4.5l1-1L13.5 8 9 12.5l-1-1L10.5 9H2V7Z';
  if (/-addr$|^domain-name$|^url$|^file$|^email-|^observed-data$/.test(type)) return 'M2 3h12v10H2V3Zm2 2v6h8V5H4Z';
  return 'M8 1.5 14.5 8 8 14.5 1.5 8 8 1.5Z';
}

export function TypeLabel({ type }: { type: string }) {
  return (
    <span className="tag" style={{ display: 'inline-flex', gap: 5, alignItems: 'center', whiteSpace: 'nowrap' }}>
      <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
        <path d={glyph(type)} fill="currentColor" fillRule="evenodd" />
      </svg>
      {typeLabel(type)}
    </span>
  );
}

/** A link to another object, or "not available" (the same words for a hidden and a missing one). */
export function ObjectRef({ end }: { end: { id: string; status: 'resolved'; type: string; name: string | null } | { id: string; status: 'dangling' } }) {
  if (end.status === 'dangling') {
    return (
      <span data-testid="ref-unavailable">
        <Text span c="dimmed" fs="italic">
          Not available
        </Text>{' '}
        <Text span c="dimmed" fz="xs" className="mono" style={{ wordBreak: 'break-all' }}>
          {end.id}
        </Text>
      </span>
    );
  }
  return (
    <Group gap={6} wrap="nowrap" component="span" style={{ display: 'inline-flex' }}>
      <TypeLabel type={end.type} />
      <Anchor component={Link} to={objectPath(end.id)} style={{ wordBreak: 'break-word' }}>
        {displayName(end)}
      </Anchor>
    </Group>
  );
}

export interface SharingValue<T extends string = Tlp> {
  tlp: T;
  communityIds: string[];
  recipientOrgIds: { id: string; label: string }[];
}

/**
 * Who will see what is shared: TLP (each level in one line), communities, recipient organisations.
 * `keepMarking` adds a first choice that applies no label (what arrives keeps its own marking).
 */
export function SharingFields<T extends string = Tlp>({
  value,
  onChange,
  communities,
  errors,
  recipients = true,
  keepMarking,
}: {
  value: SharingValue<T>;
  onChange: (v: SharingValue<T>) => void;
  communities: { id: string; name: string }[];
  errors?: { tlp?: string; communityIds?: string; recipientOrgIds?: string };
  recipients?: boolean;
  keepMarking?: { value: T; label: string };
}) {
  const needsCommunities = value.tlp === 'GREEN';
  return (
    <Stack gap="md">
      <Radio.Group label="Traffic Light Protocol (TLP)" description="Who may see what you share. You can tighten a label later, never loosen it." value={value.tlp} onChange={(v) => onChange({ ...value, tlp: v as T })} error={errors?.tlp} required>
        <Stack gap={8} mt="xs">
          {keepMarking ? <Radio value={keepMarking.value} label={keepMarking.label} /> : null}
          {TLP_ORDER.map((t) => (
            <Radio
              key={t}
              value={t}
              label={
                <Group gap={8} wrap="nowrap" align="baseline">
                  <TlpBadge tlp={t} />
                  <span>{TLP_MEANING[t]}</span>
                </Group>
              }
            />
          ))}
        </Stack>
      </Radio.Group>
      <MultiSelect
        label="Communities"
        description={needsCommunities ? 'TLP:GREEN reaches everyone in these communities. Leave empty for all of your organisation’s communities.' : 'Used when the label is TLP:GREEN; kept with the record. Leave empty for all of your organisation’s communities.'}
        placeholder={value.communityIds.length ? undefined : 'All of your organisation’s communities'}
        data={communities.map((c) => ({ value: c.id, label: c.name }))}
        value={value.communityIds}
        onChange={(ids) => onChange({ ...value, communityIds: ids })}
        error={errors?.communityIds}
        clearable
        searchable
      />
      {recipients ? (
      <div>
        <RemoteSelect
          label="Add a recipient organisation"
          description="Named organisations see it at every level except TLP:RED."
          placeholder="Search organisations"
          queryKey="intel-recipient-orgs"
          search={async (q) => (await call(api.GET('/api/organisations', { params: { query: { q: q || undefined, pageSize: 20 } } }))).items.map((o) => ({ value: o.id, label: o.name }))}
          value={null}
          onChange={(id, label) => {
            if (id && !value.recipientOrgIds.some((r) => r.id === id)) onChange({ ...value, recipientOrgIds: [...value.recipientOrgIds, { id, label: label ?? id }] });
          }}
          error={errors?.recipientOrgIds}
        />
        {value.recipientOrgIds.length ? (
          <Group gap="xs" mt="xs" aria-label="Recipient organisations" role="list">
            {value.recipientOrgIds.map((r) => (
              <span role="listitem" key={r.id} className="tag" style={{ display: 'inline-flex', alignItems: 'center', gap: 6 }}>
                {r.label}
                <button type="button" className="chip-remove" aria-label={`Remove ${r.label}`} onClick={() => onChange({ ...value, recipientOrgIds: value.recipientOrgIds.filter((x) => x.id !== r.id) })}>
                  ×
                </button>
              </span>
            ))}
          </Group>
        ) : null}
      </div>
      ) : null}
    </Stack>
  );
}

export const sharingBody = (s: SharingValue) => ({
  tlp: s.tlp,
  communityIds: s.communityIds.length ? s.communityIds : undefined,
  recipientOrgIds: s.recipientOrgIds.length ? s.recipientOrgIds.map((r) => r.id) : undefined,
});
