import { useQuery } from '@tanstack/react-query';
import { api, call } from '../../api';

export type StatesPosture = Awaited<ReturnType<typeof fetchStates>>;
export type CountiesPosture = Awaited<ReturnType<typeof fetchCounties>>;
export type Area = StatesPosture['items'][number];
export type Posture = Area['posture'];
export type TrendFilters = { from?: string; to?: string; communityId?: string; sector?: string };

export const PICTURE_BASE = '/warning/picture';

/** The posture scale, lowest first. */
export const POSTURES: Posture[] = ['None', 'Low', 'Guarded', 'Elevated', 'High', 'Severe'];

/**
 * Map colours: ColorBrewer YlOrRd (sequential, colour-blind safe), with a light grey for "None".
 * Every area also has a dark outline, and its name and posture in words (legend, labels, table).
 */
export const POSTURE_COLOURS: Record<Posture, string> = {
  None: '#f1f3f5',
  Low: '#ffffb2',
  Guarded: '#fecc5c',
  Elevated: '#fd8d3c',
  High: '#e31a1c',
  Severe: '#800026',
};
/** Text on a posture colour (WCAG AA contrast with each). */
export const POSTURE_TEXT: Record<Posture, string> = { None: '#212529', Low: '#212529', Guarded: '#212529', Elevated: '#212529', High: '#ffffff', Severe: '#ffffff' };

export const ALERT_LEVELS = ['Low', 'Guarded', 'Elevated', 'High', 'Severe'] as const;

const fetchStates = () => call(api.GET('/api/picture/states'));
const fetchCounties = (stateFips: string) => call(api.GET('/api/picture/states/{stateFips}/counties', { params: { path: { stateFips } } }));

export function useStatesPosture() {
  return useQuery({ queryKey: ['picture', 'states'], queryFn: fetchStates, refetchInterval: 60_000 });
}
export function useCountiesPosture(stateFips: string | null) {
  return useQuery({ queryKey: ['picture', 'counties', stateFips], queryFn: () => fetchCounties(stateFips!), enabled: !!stateFips, refetchInterval: 60_000 });
}
export function useTrends(f: TrendFilters) {
  return useQuery({
    queryKey: ['picture', 'trends', f],
    queryFn: () => call(api.GET('/api/picture/trends', { params: { query: { from: f.from || undefined, to: f.to || undefined, communityId: f.communityId || undefined, sector: (f.sector || undefined) as never } } })),
  });
}

/** One sentence for a screen reader and the table: what makes up an area's posture. */
export function describeArea(a: Area): string {
  const parts = [`posture ${a.posture}`];
  parts.push(a.activeAlerts === 1 ? '1 active alert' : `${a.activeAlerts} active alerts`);
  parts.push(a.openIncidents === 1 ? '1 open incident' : `${a.openIncidents} open incidents`);
  parts.push(a.recentSightings === 1 ? '1 recent sighting' : `${a.recentSightings} recent sightings`);
  if (a.unacknowledgedOrganisations) parts.push(`${a.unacknowledgedOrganisations} of ${a.recipientOrganisations} recipient organisations not acknowledged`);
  return parts.join(', ');
}
