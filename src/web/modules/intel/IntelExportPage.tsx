import { Alert, Button, Group, MultiSelect, Paper, Select, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { Page } from '../../components/Page';
import { useCurrentMe } from '../../session';
import { INTEL_BASE, queryString, TYPE_OPTIONS, useMyCommunities } from './intel';

/**
 * Export a selection as one STIX 2.1 bundle: the server streams it (`GET /api/intel/export`), so the
 * download is a plain link and very large exports never sit in the browser's memory.
 */
export function IntelExportPage() {
  const me = useCurrentMe();
  const communities = useMyCommunities(me.currentOrgId);
  const [params] = useSearchParams();
  const [types, setTypes] = useState<string[]>((params.get('type') ?? '').split(',').filter(Boolean));
  const [since, setSince] = useState(params.get('since') ?? '');
  const [collection, setCollection] = useState<string | null>(null);
  const href = `/api/intel/export${queryString({ type: types.join(','), since: since ? new Date(`${since}T00:00:00`).toISOString() : undefined, collection })}`;
  return (
    <Page
      title="Export threat intel"
      crumbs={[
        { label: 'Election infrastructure', to: '/infrastructure' },
        { label: 'Threat intel', to: INTEL_BASE },
      ]}
      lead="Download what you may see as one STIX 2.1 bundle (a JSON file), for your own tools. The latest version of each object is included."
    >
      <Paper withBorder p="lg" radius="md" maw={760}>
        <Stack gap="md">
          <MultiSelect label="Types" placeholder={types.length ? undefined : 'Every type'} data={TYPE_OPTIONS} value={types} onChange={setTypes} searchable clearable />
          <TextInput label="Added on or after" type="date" value={since} onChange={(e) => setSince(e.currentTarget.value)} w={200} />
          <Select label="Shared with community" placeholder="Any community" data={(communities.data ?? []).map((c) => ({ value: c.id, label: c.name }))} value={collection} onChange={setCollection} clearable />
          <Alert variant="light" color="yellow" title="Keep the markings">
            The file keeps each object’s TLP marking. Share it only as those markings allow: TLP:AMBER and stricter must not leave the organisations allowed to see them.
          </Alert>
          <Group>
            <Button component="a" href={href} download="rampart-export.json">
              Download STIX bundle
            </Button>
          </Group>
          <Text fz="xs" c="dimmed">
            Free-text, TLP and source filters of the search page do not apply to exports yet.
          </Text>
        </Stack>
      </Paper>
    </Page>
  );
}
