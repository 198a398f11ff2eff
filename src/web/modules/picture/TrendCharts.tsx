import { useMemo, useState, type ReactNode } from 'react';
import { BarChart, LineChart } from '@mantine/charts';
import { Button, Group, Paper, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, call } from '../../api';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { KIND_OPTIONS } from '../directory/labels';
import { ALERT_LEVELS, useStatesPosture, useTrends, type TrendFilters } from './picture';

/** Chart colours with at least 3:1 contrast on white, told apart by more than hue (Paul Tol's palettes, darkened). */
const LEVEL_COLOURS: Record<(typeof ALERT_LEVELS)[number], string> = { Low: '#2b8cbe', Guarded: '#228833', Elevated: '#b35806', High: '#cc3311', Severe: '#67000d' };
const STATE_COLOURS = ['#4477aa', '#228833', '#aa3377', '#cc3311', '#332288'];
const OTHER_COLOUR = '#666666';

/** State names from the map's own answer (the same query, cached). */
function useStateNames() {
  const states = useStatesPosture();
  return { data: useMemo(() => (states.data ? new Map(states.data.items.map((s) => [s.fips, s.name])) : undefined), [states.data]) };
}

/** A chart with its summary in words and its figures as a table (folded). */
function Figure({ title, summary, table, children }: { title: string; summary: string; table: { head: string[]; rows: (string | number)[][] }; children: ReactNode }) {
  return (
    <Paper withBorder p="md" radius="md" component="figure" m={0} aria-label={title}>
      <Title order={3} fz="md">{title}</Title>
      <Text fz="sm" c="dimmed" mb="xs">{summary}</Text>
      {/* the chart is a picture of the summary and the table below (recharts' own keyboard layer is off) */}
      <div aria-hidden>{children}</div>
      <details className="picture-data">
        <summary>{title}: the figures</summary>
        <Table.ScrollContainer minWidth={320} mah={260}>
          <Table fz="xs" striped>
            <Table.Thead>
              <Table.Tr>{table.head.map((h) => <Table.Th key={h} scope="col">{h}</Table.Th>)}</Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {table.rows.map((r) => (
                <Table.Tr key={String(r[0])}>{r.map((c, i) => (i === 0 ? <Table.Th key={i} scope="row">{c}</Table.Th> : <Table.Td key={i}>{c}</Table.Td>))}</Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </details>
    </Paper>
  );
}

function Filters({ value, onApply }: { value: TrendFilters; onApply: (f: TrendFilters) => void }) {
  const [f, setF] = useState<TrendFilters>(value);
  const communities = useQuery({ queryKey: ['communities'], queryFn: async () => (await call(api.GET('/api/communities'))).items });
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        onApply(f);
      }}
    >
      <Group align="flex-end" gap="sm" wrap="wrap">
        <TextInput type="date" label="From" value={f.from ?? ''} onChange={(e) => setF({ ...f, from: e.currentTarget.value })} w={170} />
        <TextInput type="date" label="To" value={f.to ?? ''} onChange={(e) => setF({ ...f, to: e.currentTarget.value })} w={170} />
        <Select
          label="Community" placeholder="All communities" clearable w={230}
          data={(communities.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
          value={f.communityId ?? null} onChange={(v) => setF({ ...f, communityId: v ?? undefined })}
        />
        <Select label="Sector" placeholder="All sectors" clearable w={250} data={KIND_OPTIONS} value={f.sector ?? null} onChange={(v) => setF({ ...f, sector: v ?? undefined })} />
        <Button type="submit">Show trends</Button>
      </Group>
    </form>
  );
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const fmt = new Intl.NumberFormat('en-US');

/** Trends per day, with the filters: indicators shared, sightings by state, alerts by level, and time to acknowledge. */
export function TrendsSection() {
  const [filters, setFilters] = useState<TrendFilters>({});
  const trends = useTrends(filters);
  const names = useStateNames();
  const t = trends.data;

  const sightings = useMemo(() => {
    if (!t) return null;
    const totals = new Map<string, number>();
    for (const d of t.days) for (const [s, n] of Object.entries(d.sightingsByState)) totals.set(s, (totals.get(s) ?? 0) + n);
    const top = [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, STATE_COLOURS.length).map(([s]) => s);
    const label = (s: string) => (s === '' ? 'No state' : (names.data?.get(s) ?? s));
    const series = [...top.map((s, i) => ({ name: `s${s || 'none'}`, label: label(s), color: STATE_COLOURS[i]! })), ...(totals.size > top.length ? [{ name: 'other', label: 'Other states', color: OTHER_COLOUR }] : [])];
    const data = t.days.map((d) => {
      const row: Record<string, string | number> = { day: d.day.slice(5) };
      let other = d.sightings;
      for (const s of top) {
        row[`s${s || 'none'}`] = d.sightingsByState[s] ?? 0;
        other -= d.sightingsByState[s] ?? 0;
      }
      if (totals.size > top.length) row.other = other;
      return row;
    });
    return { series, data, top: top.map((s) => `${label(s)} (${fmt.format(totals.get(s)!)})`) };
  }, [t, names.data]);

  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="trends-h">
      <Stack gap="md">
        <div>
          <Title order={2} fz="lg" id="trends-h">Trends</Title>
          <Text fz="sm" c="dimmed">Per day (UTC){t ? `, ${t.from} to ${t.to}` : ''}. The default is the last 31 days; at most 366.</Text>
        </div>
        <Filters value={filters} onApply={setFilters} />
        <ErrorAlert error={trends.error} />
        {trends.isPending ? <Loading /> : t ? (
          <>
            <SimpleGrid cols={{ base: 1, sm: 3 }}>
              <Stat label="Indicators shared" value={fmt.format(t.totals.indicators)} />
              <Stat label="Sightings" value={fmt.format(t.totals.sightings)} />
              <Stat label="Alerts published" value={fmt.format(t.totals.alerts)} />
              <Stat label="Acknowledgements" value={fmt.format(t.timeToAcknowledge.acknowledgements)} />
              <Stat label="Median time to acknowledge" value={t.timeToAcknowledge.medianMinutes === null ? '—' : `${fmt.format(t.timeToAcknowledge.medianMinutes)} min`} />
              <Stat label="90th percentile time to acknowledge" value={t.timeToAcknowledge.p90Minutes === null ? '—' : `${fmt.format(t.timeToAcknowledge.p90Minutes)} min`} />
            </SimpleGrid>
            <SimpleGrid cols={{ base: 1, lg: 2 }}>
              <Figure
                title="Indicators shared per day"
                summary={`${fmt.format(t.totals.indicators)} indicators; the busiest day had ${fmt.format(Math.max(0, ...t.days.map((d) => d.indicators)))}.`}
                table={{ head: ['Day', 'Indicators'], rows: t.days.map((d) => [d.day, d.indicators]) }}
              >
                <LineChart h={220} data={t.days.map((d) => ({ day: d.day.slice(5), indicators: d.indicators }))} dataKey="day" series={[{ name: 'indicators', label: 'Indicators', color: '#4477aa' }]} curveType="linear" withDots={false} lineChartProps={{ accessibilityLayer: false }} />
              </Figure>
              <Figure
                title="Sightings per day by state"
                summary={sightings && sightings.top.length ? `${fmt.format(t.totals.sightings)} sightings; most in ${sightings.top.join(', ')}.` : 'No sightings in this range.'}
                table={{ head: ['Day', 'Sightings', 'By state'], rows: t.days.map((d) => [d.day, d.sightings, Object.entries(d.sightingsByState).map(([s, n]) => `${s === '' ? 'No state' : (names.data?.get(s) ?? s)} ${n}`).join(', ')]) }}
              >
                {sightings ? <BarChart h={220} data={sightings.data} dataKey="day" type="stacked" series={sightings.series} withLegend barChartProps={{ accessibilityLayer: false }} /> : null}
              </Figure>
              <Figure
                title="Alerts published per day by level"
                summary={`${fmt.format(t.totals.alerts)} alerts: ${ALERT_LEVELS.map((l) => `${fmt.format(sum(t.days.map((d) => d.alerts[l])))} ${l}`).join(', ')}.`}
                table={{ head: ['Day', ...ALERT_LEVELS], rows: t.days.map((d) => [d.day, ...ALERT_LEVELS.map((l) => d.alerts[l])]) }}
              >
                <BarChart h={220} data={t.days.map((d) => ({ day: d.day.slice(5), ...d.alerts }))} dataKey="day" type="stacked" series={ALERT_LEVELS.map((l) => ({ name: l, color: LEVEL_COLOURS[l] }))} withLegend barChartProps={{ accessibilityLayer: false }} />
              </Figure>
            </SimpleGrid>
          </>
        ) : null}
      </Stack>
    </Paper>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <Paper withBorder p="sm" radius="md">
      <Text fz="xs" c="dimmed">{label}</Text>
      <Text fz="xl" fw={700}>{value}</Text>
    </Paper>
  );
}
