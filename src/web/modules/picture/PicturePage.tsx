import '@mantine/charts/styles.css';
import './picture.css';
import { useMemo, useState } from 'react';
import { Anchor, Button, Group, Paper, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { useSearchParams } from 'react-router';
import { ErrorAlert } from '../../components/ErrorAlert';
import { fmtDateTime } from '../../components/format';
import { Loading } from '../../components/Loading';
import { Page } from '../../components/Page';
import { UsMap, useAtlas } from './UsMap';
import { TrendsSection } from './TrendCharts';
import { POSTURES, POSTURE_COLOURS, POSTURE_TEXT, describeArea, useCountiesPosture, useStatesPosture, type Area, type Posture } from './picture';

function PostureChip({ posture }: { posture: Posture }) {
  return (
    <span className="picture-chip" style={{ background: POSTURE_COLOURS[posture], color: POSTURE_TEXT[posture] }}>
      {posture}
    </span>
  );
}

function Legend() {
  return (
    <Stack gap={4} component="section" aria-labelledby="legend-h">
      <Text id="legend-h" fw={600} fz="sm">Posture</Text>
      <Group gap="xs" component="ul" className="picture-legend">
        {POSTURES.map((p) => (
          <li key={p}>
            <span className="picture-swatch" style={{ background: POSTURE_COLOURS[p] }} aria-hidden />
            {p}
          </li>
        ))}
      </Group>
      <Text fz="xs" c="dimmed">
        The highest active alert level; at least Elevated with an open incident; at least Guarded with sightings in the last days or a recipient organisation that has not acknowledged an alert.
      </Text>
    </Stack>
  );
}

const byPosture = (a: Area, b: Area) => POSTURES.indexOf(b.posture) - POSTURES.indexOf(a.posture) || a.name.localeCompare(b.name);

function AreaTable({ areas, caption, onSelect, selectLabel }: { areas: Area[]; caption: string; onSelect?: (fips: string) => void; selectLabel?: string }) {
  const rows = useMemo(() => [...areas].sort(byPosture), [areas]);
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table striped highlightOnHover captionSide="top" fz="sm">
        <Table.Caption>{caption}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Name</Table.Th>
            <Table.Th scope="col">Posture</Table.Th>
            <Table.Th scope="col">Active alerts</Table.Th>
            <Table.Th scope="col">Open incidents</Table.Th>
            <Table.Th scope="col">Recent sightings</Table.Th>
            <Table.Th scope="col">Not acknowledged</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((a) => (
            <Table.Tr key={a.fips}>
              <Table.Th scope="row" fw={500}>
                {onSelect ? (
                  <Anchor component="button" type="button" underline="always" onClick={() => onSelect(a.fips)} aria-label={`${a.name}: ${selectLabel}`}>
                    {a.name}
                  </Anchor>
                ) : a.name}
              </Table.Th>
              <Table.Td><PostureChip posture={a.posture} /></Table.Td>
              <Table.Td>
                {a.activeAlerts}
                {a.activeAlerts ? <Text span c="dimmed" fz="xs"> ({Object.entries(a.alertsByLevel).filter(([, n]) => n).map(([l, n]) => `${n} ${l}`).join(', ')})</Text> : null}
              </Table.Td>
              <Table.Td>{a.openIncidents}</Table.Td>
              <Table.Td>{a.recentSightings}</Table.Td>
              <Table.Td>{a.recipientOrganisations ? `${a.unacknowledgedOrganisations} of ${a.recipientOrganisations}` : '—'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function AreaDetails({ a }: { a: Area }) {
  return (
    <Paper withBorder p="sm" radius="md" aria-live="polite">
      <Group gap="sm">
        <Text fw={600}>{a.name}</Text>
        <PostureChip posture={a.posture} />
      </Group>
      <Text fz="sm" mt={4}>{describeArea(a)}.</Text>
    </Paper>
  );
}

/** The common operating picture: the map by posture (states, then a state's counties), a table alternative, and trends. */
export function PicturePage() {
  const [params, setParams] = useSearchParams();
  const stateFips = params.get('state');
  const [county, setCounty] = useState<string | null>(null);
  const atlas = useAtlas();
  const states = useStatesPosture();
  const counties = useCountiesPosture(stateFips);
  const state = stateFips ? { name: counties.data?.stateName ?? states.data?.items.find((s) => s.fips === stateFips)?.name } : undefined;
  const drill = (fips: string) => {
    setCounty(null);
    setParams((p) => {
      p.set('state', fips);
      return p;
    });
  };
  const back = () => {
    setCounty(null);
    setParams((p) => {
      p.delete('state');
      return p;
    });
  };
  const areas = stateFips ? counties.data?.items : states.data?.items;
  const pending = atlas.isPending || (stateFips ? counties.isPending : states.isPending);
  const asOf = (stateFips ? counties.data?.asOf : states.data?.asOf) ?? null;
  const selectedCounty = county ? counties.data?.items.find((c) => c.fips === county) : undefined;

  return (
    <Page
      title="Operating picture"
      lead="Where things stand across the country: active alerts, open incidents, recent sightings and acknowledgement gaps — counting only what you may see."
      crumbs={[{ label: 'Warning & response', to: '/warning' }]}
    >
      <Paper withBorder p="md" radius="md" component="section" aria-labelledby="map-h">
        <Group justify="space-between" align="flex-start" mb="sm" wrap="wrap">
          <div>
            <Title order={2} fz="lg" id="map-h">
              {stateFips ? `${state?.name ?? stateFips}: posture by county` : 'Posture by state'}
            </Title>
            {asOf ? <Text fz="xs" c="dimmed">As of {fmtDateTime(asOf)}; recent sightings: the last {states.data?.recentDays ?? 7} days. Updates every minute.</Text> : null}
          </div>
          {stateFips ? <Button variant="default" onClick={back}>Back to the United States</Button> : null}
        </Group>
        <ErrorAlert error={atlas.error ?? states.error ?? counties.error} />
        {pending ? <Loading /> : atlas.data && areas ? (
          <Stack gap="sm">
            <a className="picture-skip" href="#table-h">Skip the map: the same figures as a table</a>
            <Text fz="sm" c="dimmed">
              {stateFips ? 'Select a county (click, or Tab to it and press Enter) to see what makes up its posture.' : 'Select a state (click, or Tab to it and press Enter) to see its counties.'}
            </Text>
            <UsMap
              atlas={atlas.data}
              areas={areas}
              stateFips={stateFips ?? undefined}
              selected={county}
              onSelect={stateFips ? setCounty : drill}
              label={stateFips ? `Map of the counties of ${state?.name ?? stateFips}, coloured by posture` : 'Map of the United States, states coloured by posture'}
            />
            {selectedCounty ? <AreaDetails a={selectedCounty} /> : null}
            {stateFips && counties.data ? <AreaDetails a={{ ...counties.data.statewide, name: `${counties.data.stateName} as a whole (state-level alerts, incidents and sightings)` }} /> : null}
            <Legend />
          </Stack>
        ) : null}
      </Paper>

      {areas ? (
        <Paper withBorder p="md" radius="md" component="section" aria-labelledby="table-h">
          <Title order={2} fz="lg" id="table-h" mb="xs" tabIndex={-1}>{stateFips ? 'Counties' : 'States'} as a table</Title>
          <VisuallyHidden>The same figures as the map, highest posture first.</VisuallyHidden>
          <AreaTable
            areas={areas}
            caption={stateFips ? `Every county of ${state?.name ?? stateFips}, highest posture first` : 'Every state, the District of Columbia and the territories, highest posture first'}
            onSelect={stateFips ? undefined : drill}
            selectLabel="show its counties"
          />
        </Paper>
      ) : null}

      <TrendsSection />
    </Page>
  );
}

export default PicturePage;
