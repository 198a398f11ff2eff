import { hasScope, systemActor, type Actor } from '../../core/access/actor.ts';
import type { Clock } from '../../core/clock.ts';
import { errors } from '../../core/http/errors.ts';
import type { AlertsService } from '../alerts/index.ts';
import type { DetectPicture } from '../detect/index.ts';
import type { DirectoryService } from '../directory/index.ts';
import type { IncidentsPicture } from '../incidents/index.ts';
import type { IntelPicture } from '../intel/index.ts';
import { ALERT_LEVEL_KEYS, POSTURE_LEVELS, type AreaPosture, type PostureLevel, type Trends, type TrendsQuery } from './picture.schemas.ts';

/** What the picture is made of: each module's own aggregates (computed under visibleTo for the actor), through its index.ts. */
export interface PictureDeps {
  alerts: Pick<AlertsService, 'pictureStates' | 'pictureTrends'>;
  incidents: IncidentsPicture;
  detect: DetectPicture;
  intel: IntelPicture;
  directory: Pick<DirectoryService, 'listJurisdictions'>;
  clock: Clock;
}

/** Sightings first recorded in this many days (today included) are "recent". */
export const RECENT_DAYS = 7;
/** Longest trend range, in days. */
export const MAX_TREND_DAYS = 366;
const DAY = 86400_000;

type Place = { fips: string; name: string; stateFips: string; kind: string };

function requireReader(actor: Actor): void {
  if (actor.kind === 'anonymous') throw errors.unauthenticated();
  if (!hasScope(actor, 'read')) throw errors.forbidden('AUTH_SCOPE', 'This token lacks the read scope');
}

const rank = (l: PostureLevel) => POSTURE_LEVELS.indexOf(l);
const max = (a: PostureLevel, b: PostureLevel) => (rank(b) > rank(a) ? b : a);

/** The posture rule (README): the highest active alert level; Elevated with an open incident; Guarded with recent sightings or an unacknowledged recipient. */
export function postureOf(p: Omit<AreaPosture, 'posture' | 'fips' | 'name'>): PostureLevel {
  let level: PostureLevel = 'None';
  for (const l of ALERT_LEVEL_KEYS) if (p.alertsByLevel[l] > 0) level = max(level, l);
  if (p.openIncidents > 0) level = max(level, 'Elevated');
  if (p.recentSightings > 0 || p.unacknowledgedOrganisations > 0) level = max(level, 'Guarded');
  return level;
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);
const startOfDay = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));

export function createPictureService(deps: PictureDeps) {
  const { clock } = deps;
  // Jurisdictions are reference data (us-atlas, loaded at start): read once through the directory.
  let places: Promise<Map<string, Place>> | null = null;
  const allPlaces = () =>
    (places ??= deps.directory.listJurisdictions(systemActor('picture'), { page: 1, pageSize: 10_000 }).then((r) => new Map(r.items.map((j) => [j.fips, { fips: j.fips, name: j.name, stateFips: j.stateFips, kind: j.kind }]))).catch((e: unknown) => {
      places = null;
      throw e;
    }));

  /** Merges each module's per-area counts into one posture per area, for every area in `areas`. */
  async function compose(actor: Actor, areas: Place[], stateFips?: string) {
    const now = clock.now();
    const since = new Date(startOfDay(now).getTime() - (RECENT_DAYS - 1) * DAY);
    const [alerts, incidents, sightings] = await Promise.all([
      deps.alerts.pictureStates(actor, stateFips),
      deps.incidents.openByArea(actor, { stateFips }),
      deps.detect.sightingsByArea(actor, { since, stateFips }),
    ]);
    const out = new Map<string, AreaPosture>();
    for (const a of areas) {
      out.set(a.fips, {
        fips: a.fips, name: a.name, posture: 'None', activeAlerts: 0, alertsByLevel: { Low: 0, Guarded: 0, Elevated: 0, High: 0, Severe: 0 },
        openIncidents: 0, recentSightings: 0, recipientOrganisations: 0, unacknowledgedOrganisations: 0,
      });
    }
    // Counts for an area outside the list (an unknown code in a record) are left out of the map, not invented.
    for (const a of alerts.items) {
      const p = out.get(a.fips);
      if (!p) continue;
      p.activeAlerts = a.activeAlerts;
      for (const l of ALERT_LEVEL_KEYS) p.alertsByLevel[l] = a.byLevel[l] ?? 0;
      p.recipientOrganisations = a.recipientOrganisations;
      p.unacknowledgedOrganisations = a.unacknowledgedOrganisations;
    }
    for (const i of incidents) if (out.has(i.fips)) out.get(i.fips)!.openIncidents = i.n;
    for (const s of sightings) if (out.has(s.fips)) out.get(s.fips)!.recentSightings = s.n;
    for (const p of out.values()) p.posture = postureOf(p);
    return { asOf: now.toISOString(), recentDays: RECENT_DAYS, items: [...out.values()] };
  }

  return {
    /** Posture of every state, the District of Columbia and the territories, as the actor may see it. */
    async states(actor: Actor) {
      requireReader(actor);
      const states = [...(await allPlaces()).values()].filter((p) => p.kind !== 'county');
      return compose(actor, states);
    },

    /** Posture of every county of one state, and of the state as a whole (what is not placed in a county). */
    async counties(actor: Actor, stateFips: string) {
      requireReader(actor);
      const all = await allPlaces();
      const state = all.get(stateFips);
      if (!state || state.kind === 'county') throw errors.notFound('state', 'PICTURE_STATE_NOT_FOUND');
      const counties = [...all.values()].filter((p) => p.kind === 'county' && p.stateFips === stateFips);
      const inside = await compose(actor, [...counties, state], stateFips);
      const statewide = inside.items.find((p) => p.fips === stateFips)!;
      return { asOf: inside.asOf, recentDays: RECENT_DAYS, stateFips, stateName: state.name, statewide, items: inside.items.filter((p) => p.fips !== stateFips) };
    },

    /** Trends per day (UTC) over [from, to]: indicators shared, sightings by state, alerts by level; time to acknowledge. */
    async trends(actor: Actor, q: TrendsQuery): Promise<Trends> {
      requireReader(actor);
      const to = q.to ? new Date(`${q.to}T00:00:00Z`) : startOfDay(clock.now());
      const from = q.from ? new Date(`${q.from}T00:00:00Z`) : new Date(to.getTime() - 30 * DAY);
      if (from > to) throw errors.validation([{ path: 'querystring.from', message: 'must not be after to' }]);
      if ((to.getTime() - from.getTime()) / DAY + 1 > MAX_TREND_DAYS) throw errors.validation([{ path: 'querystring.from', message: `the range may span at most ${MAX_TREND_DAYS} days` }]);
      const end = new Date(to.getTime() + DAY);
      const filter = { from, to: end, communityId: q.communityId, sector: q.sector };
      const [alerts, indicators, sightings] = await Promise.all([
        deps.alerts.pictureTrends(actor, { from: isoDay(from), to: isoDay(to), communityId: q.communityId, sector: q.sector }),
        deps.intel.indicatorsPerDay(actor, filter),
        deps.detect.sightingsPerDay(actor, filter),
      ]);
      const days = new Map<string, Trends['days'][number]>();
      for (let t = from.getTime(); t < end.getTime(); t += DAY) {
        const day = isoDay(new Date(t));
        days.set(day, { day, indicators: 0, sightings: 0, sightingsByState: {}, alerts: { Low: 0, Guarded: 0, Elevated: 0, High: 0, Severe: 0 } });
      }
      const totals = { indicators: 0, sightings: 0, alerts: 0 };
      for (const r of indicators) {
        const d = days.get(r.day);
        if (!d) continue;
        d.indicators += r.n;
        totals.indicators += r.n;
      }
      for (const r of sightings) {
        const d = days.get(r.day);
        if (!d) continue;
        d.sightings = r.n;
        d.sightingsByState = r.byState;
        totals.sightings += r.n;
      }
      for (const r of alerts.days) {
        const d = days.get(r.day);
        if (!d) continue;
        for (const l of ALERT_LEVEL_KEYS) {
          d.alerts[l] += r.byLevel[l] ?? 0;
          totals.alerts += r.byLevel[l] ?? 0;
        }
      }
      return { from: isoDay(from), to: isoDay(to), days: [...days.values()], totals, timeToAcknowledge: alerts.timeToAcknowledge };
    },
  };
}
export type PictureService = ReturnType<typeof createPictureService>;
