import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { api, call, type paths } from '../../api';
import type { Tlp } from '../../theme';

/** Types of the intel API (/api/intel), from the generated contract. */
type Json<P extends keyof paths, M extends 'get' | 'post'> = paths[P][M] extends { responses: infer R }
  ? R extends { 200: { content: { 'application/json': infer J } } }
    ? J
    : R extends { 201: { content: { 'application/json': infer J } } }
      ? J
      : R extends { 202: { content: { 'application/json': infer J } } }
        ? J
        : never
  : never;

export type SearchResult = Json<'/api/intel/objects', 'get'>;
export type ObjectSummary = SearchResult['items'][number];
export type ObjectDetail = Json<'/api/intel/objects/{id}', 'get'>;
export type VersionList = Json<'/api/intel/objects/{id}/versions', 'get'>;
export type Ingest = Json<'/api/intel/ingests/{id}', 'get'>;
export type CsvPreview = Json<'/api/intel/ingests/csv-preview', 'post'>;
export type Subscription = Json<'/api/intel/subscriptions/{id}', 'get'>;
export type PollResult = Json<'/api/intel/subscriptions/{id}/poll', 'post'>;
export type MispFeed = Json<'/api/intel/misp-feeds', 'get'>['items'][number];
export type SearchQuery = NonNullable<paths['/api/intel/objects']['get']['parameters']['query']>;

export const INTEL_BASE = '/infrastructure/intel';
export const objectPath = (id: string) => `${INTEL_BASE}/objects/${encodeURIComponent(id)}`;

/** TLP 2.0, least to most restrictive, each explained in one line for the person sharing. */
export const TLP_ORDER: Tlp[] = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'];
export const TLP_MEANING: Record<Tlp, string> = {
  CLEAR: 'Anyone may see it, including the public.',
  GREEN: 'The communities you pick may see it; not for public channels.',
  AMBER: 'Your organisation, the offices under it (a state’s counties), and recipients you name.',
  'AMBER+STRICT': 'Only your own organisation and the organisations you name.',
  RED: 'Only you and the people you name.',
};

/** STIX types people meet most, with plain labels; any other type shows as its STIX name. */
export const TYPE_LABELS: Record<string, string> = {
  indicator: 'Indicator',
  report: 'Report',
  note: 'Note',
  opinion: 'Opinion',
  'attack-pattern': 'Attack pattern',
  campaign: 'Campaign',
  'course-of-action': 'Course of action',
  grouping: 'Grouping',
  identity: 'Identity',
  incident: 'Incident',
  infrastructure: 'Infrastructure',
  'intrusion-set': 'Intrusion set',
  location: 'Location',
  malware: 'Malware',
  'malware-analysis': 'Malware analysis',
  'observed-data': 'Observed data',
  'threat-actor': 'Threat actor',
  tool: 'Tool',
  vulnerability: 'Vulnerability',
  relationship: 'Relationship',
  sighting: 'Sighting',
  'ipv4-addr': 'IPv4 address',
  'ipv6-addr': 'IPv6 address',
  'domain-name': 'Domain name',
  url: 'URL',
  'email-addr': 'Email address',
  file: 'File',
};
export const typeLabel = (t: string) => TYPE_LABELS[t] ?? t;
export const TYPE_OPTIONS = Object.entries(TYPE_LABELS).map(([value, label]) => ({ value, label }));

export const SOURCE_LABELS: Record<string, string> = { api: 'Shared in Rampart', 'stix-file': 'STIX file', misp: 'MISP event', 'misp-feed': 'MISP feed', csv: 'CSV list', 'taxii-post': 'Sent over TAXII', system: 'Rampart' };
export const SOURCE_OPTIONS = Object.entries(SOURCE_LABELS).map(([value, label]) => ({ value, label }));
export const sourceLabel = (s: string) => (s.startsWith('taxii:') ? 'TAXII subscription' : (SOURCE_LABELS[s] ?? s));

/** A readable name for an object that has none (observables, relationships). */
export function displayName(o: { name: string | null; type: string; id: string }): string {
  return o.name?.trim() || `${typeLabel(o.type)} ${o.id.split('--')[1]?.slice(0, 8) ?? ''}`.trim();
}

/** Observable types offered by the pattern helper, with the STIX property they compare. */
export const OBSERVABLES = [
  { value: 'ipv4-addr', label: 'IPv4 address', prop: 'value', example: '198.51.100.7' },
  { value: 'ipv6-addr', label: 'IPv6 address', prop: 'value', example: '2001:db8::1' },
  { value: 'domain-name', label: 'Domain name', prop: 'value', example: 'vote-info.example' },
  { value: 'url', label: 'URL', prop: 'value', example: 'https://vote-info.example/login' },
  { value: 'email-addr', label: 'Email address', prop: 'value', example: 'elections@vote-info.example' },
  { value: 'file-sha256', label: 'File (SHA-256 hash)', prop: "hashes.'SHA-256'", example: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
  { value: 'file-md5', label: 'File (MD5 hash)', prop: 'hashes.MD5', example: 'd41d8cd98f00b204e9800998ecf8427e' },
] as const;

/** `[ipv4-addr:value = '1.2.3.4']`, quotes and backslashes escaped as STIX patterning wants. */
export function buildPattern(kind: string, value: string): string {
  const o = OBSERVABLES.find((x) => x.value === kind) ?? OBSERVABLES[0];
  const type = o.value.startsWith('file-') ? 'file' : o.value;
  const v = value.trim().replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  return `[${type}:${o.prop} = '${v}']`;
}

/** The communities of the organisation the person acts for (the default audience when sharing). */
export function useMyCommunities(orgId: string | null) {
  return useQuery({
    queryKey: ['org', orgId, 'communities'],
    enabled: !!orgId,
    queryFn: async () => (await call(api.GET('/api/organisations/{id}', { params: { path: { id: orgId! } } }))).communities,
    staleTime: 60_000,
  });
}

export interface LiveEvent {
  id: string;
  at: string;
  topic: string;
  subjectId: string | null;
  tlp: Tlp;
  payload: Record<string, unknown>;
}

/**
 * Live events from `GET /api/events/stream` (Server-Sent Events). The server sends only events the
 * person may see. `onEvent` may change between renders; the stream is opened once per topic list.
 * `onConnection` hears when the stream opens (again, after the browser reconnected) or breaks.
 */
export function useLiveEvents(topics: string[], onEvent: (e: LiveEvent) => void, enabled = true, onConnection?: (open: boolean) => void): void {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const connection = useRef(onConnection);
  connection.current = onConnection;
  const key = topics.join(',');
  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    const es = new EventSource(`/api/events/stream?topics=${encodeURIComponent(key)}`, { withCredentials: true });
    es.onopen = () => connection.current?.(true);
    es.onerror = () => connection.current?.(false);
    const listener = (m: MessageEvent<string>) => {
      try {
        handler.current(JSON.parse(m.data) as LiveEvent);
      } catch {
        /* a malformed event is ignored */
      }
    };
    for (const t of key.split(',')) es.addEventListener(t, listener as EventListener);
    return () => es.close();
  }, [key, enabled]);
}

/** Saves a JSON value as a file download (a STIX bundle). */
export function downloadJson(filename: string, value: unknown): void {
  const blob = new Blob([JSON.stringify(value, null, 2)], { type: 'application/stix+json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Builds `?a=1&b=2` from defined values only. */
export function queryString(params: Record<string, string | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) u.set(k, v);
  const s = u.toString();
  return s ? `?${s}` : '';
}
