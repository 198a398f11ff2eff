import { z } from 'zod';
import { ORG_KINDS } from '../directory/index.ts';

/** The posture scale of the map: the alert levels ISACs use, below them "None" (nothing visible). */
export const POSTURE_LEVELS = ['None', 'Low', 'Guarded', 'Elevated', 'High', 'Severe'] as const;
export type PostureLevel = (typeof POSTURE_LEVELS)[number];
export const ALERT_LEVEL_KEYS = ['Low', 'Guarded', 'Elevated', 'High', 'Severe'] as const;

const int = z.number().int();
const AlertsByLevel = z.object({ Low: int, Guarded: int, Elevated: int, High: int, Severe: int });
const day = z.iso.date();

export const AreaPosture = z.object({
  fips: z.string().describe('2-digit state or 5-digit county FIPS code'),
  name: z.string(),
  posture: z.enum(POSTURE_LEVELS).describe('highest of: the highest active alert level; Elevated with an open incident; Guarded with recent sightings or a recipient organisation that has not acknowledged'),
  activeAlerts: int,
  alertsByLevel: AlertsByLevel,
  openIncidents: int,
  recentSightings: int,
  recipientOrganisations: int.describe('organisations that received an active alert'),
  unacknowledgedOrganisations: int.describe('of those, organisations where nobody acknowledged it'),
});
export type AreaPosture = z.infer<typeof AreaPosture>;

export const StatesPosture = z.object({
  asOf: z.string(),
  recentDays: int.describe('sightings first recorded in this many days (today included) are recent'),
  items: z.array(AreaPosture).describe('every state, the District of Columbia and the territories'),
});

export const CountiesParams = z.strictObject({ stateFips: z.string().regex(/^[0-9]{2}$/, 'must be a 2-digit state FIPS code') });
export const CountiesPosture = z.object({
  asOf: z.string(),
  recentDays: int,
  stateFips: z.string(),
  stateName: z.string(),
  statewide: AreaPosture.describe('what belongs to the state as a whole: alerts for the state, incidents and sightings of state-level organisations'),
  items: z.array(AreaPosture).describe('every county (or county equivalent) of the state'),
});

export const TrendsQuery = z.strictObject({
  from: day.optional().describe('first day (UTC), default 30 days before `to`'),
  to: day.optional().describe('last day (UTC, included), default today'),
  communityId: z.uuid().optional().describe('only what is shared with (or, for alerts, targeted at) this community'),
  sector: z.enum(ORG_KINDS).optional().describe('organisation kind: indicators shared and sightings reported by it; alerts targeted at it or naming it'),
});
export type TrendsQuery = z.infer<typeof TrendsQuery>;

export const Trends = z.object({
  from: day,
  to: day,
  days: z.array(z.object({
    day,
    indicators: int,
    sightings: int,
    sightingsByState: z.record(z.string(), int).describe('state FIPS → sightings; "" = organisations without a jurisdiction'),
    alerts: AlertsByLevel,
  })),
  totals: z.object({ indicators: int, sightings: int, alerts: int }),
  timeToAcknowledge: z.object({ acknowledgements: int, medianMinutes: z.number().nullable(), p90Minutes: z.number().nullable() }),
});
export type Trends = z.infer<typeof Trends>;
