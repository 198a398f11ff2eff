import { useQuery } from '@tanstack/react-query';
import { api, call, uploadWithProgress, type paths } from '../../api';
import type { Tlp } from '../../theme';

/** Types of the detection API (/api/detect), from the generated contract. */
export type Run = paths['/api/detect/runs/{id}']['get']['responses'][200]['content']['application/json'];
export type RunList = paths['/api/detect/runs']['get']['responses'][200]['content']['application/json'];
export type Hit = paths['/api/detect/hits']['get']['responses'][200]['content']['application/json']['items'][number];
export type Sighting = paths['/api/detect/sightings']['get']['responses'][200]['content']['application/json']['items'][number];
export type Format = NonNullable<NonNullable<paths['/api/detect/uploads']['post']['parameters']['query']>['format']>;

export const DETECT_BASE = '/infrastructure/detect';
export const runPath = (id: string) => `${DETECT_BASE}/runs/${id}`;
export const hitsPath = (q: { run?: string; indicator?: string } = {}) => {
  const u = new URLSearchParams();
  if (q.run) u.set('run', q.run);
  if (q.indicator) u.set('indicator', q.indicator);
  const s = u.toString();
  return `${DETECT_BASE}/hits${s ? `?${s}` : ''}`;
};

/** Log formats, each with the one line a person needs to pick it. */
export const FORMATS: { value: Format; label: string; hint: string }[] = [
  { value: 'auto', label: 'Detect automatically', hint: 'Rampart looks at the first lines and picks the format. Right for most files.' },
  { value: 'jsonl', label: 'JSON lines', hint: 'One JSON object per line (many cloud, DNS and EDR exports).' },
  { value: 'csv', label: 'CSV', hint: 'Comma-separated rows with a header line (spreadsheet and firewall exports).' },
  { value: 'zeek', label: 'Zeek', hint: 'Zeek (Bro) tab-separated logs such as dns.log, http.log, conn.log.' },
  { value: 'syslog', label: 'Syslog', hint: 'Classic syslog lines from servers, routers and firewalls.' },
  { value: 'cef', label: 'CEF', hint: 'Common Event Format lines from security appliances and SIEMs.' },
  { value: 'text', label: 'Plain text', hint: 'Any other text: every line is searched for addresses, domains, URLs and hashes.' },
];
export const formatLabel = (f: string | null | undefined) => FORMATS.find((x) => x.value === f)?.label ?? f ?? '—';

/** What the TLP of a sighting means for who learns that *your organisation* saw the indicator. */
export const SIGHTING_TLP: Record<Tlp, string> = {
  CLEAR: 'Anyone may learn that your organisation saw it.',
  GREEN: 'Organisations in your communities may learn that you saw it.',
  AMBER: 'Your organisation and the offices under it (plus the hub, if shared below). The usual choice.',
  'AMBER+STRICT': 'Only your own organisation (plus the hub, if shared below).',
  RED: 'Only you and the people named: nobody else learns that it was seen.',
};
export const SIGHTING_TLPS: Tlp[] = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'];

/** Why lines were skipped, in plain words. */
export const SKIP_REASONS: { key: keyof Run['skipped']; label: string; explain: string }[] = [
  { key: 'binary', label: 'Not text', explain: 'The line held binary data (not readable text), so it could not be searched.' },
  { key: 'tooLong', label: 'Too long', explain: 'The line was longer than Rampart reads in one go (over 1 MB).' },
  { key: 'badEncoding', label: 'Unreadable characters', explain: 'The line was not valid UTF-8 text (for example an old Windows or Latin-1 export).' },
  { key: 'badGzip', label: 'Damaged compressed file', explain: 'Part of the .gz file was damaged; Rampart searched everything before the damage.' },
];

export const STATUS_LABELS: Record<Run['status'], string> = { queued: 'Waiting to start', running: 'Checking', complete: 'Finished', failed: 'Failed' };
export const isDone = (r: Pick<Run, 'status'>) => r.status === 'complete' || r.status === 'failed';

export const fmtBytes = (n: number) => (n < 1024 ? `${n} bytes` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : n < 1024 ** 3 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${(n / 1024 ** 3).toFixed(2)} GB`);

/** A readable name for an indicator (its name, else its pattern, else its id). */
export const indicatorName = (i: { id: string; name: string | null; pattern: string | null }) => i.name?.trim() || i.pattern || i.id;

/** Content type for the upload: the server streams any of these through untouched. */
export function contentType(file: File): string {
  if (/\.gz$/i.test(file.name) || file.type === 'application/gzip' || file.type === 'application/x-gzip') return 'application/gzip';
  return 'application/octet-stream';
}

/** Uploads a log with progress (see uploadWithProgress). */
export function uploadLog(url: string, file: File, onProgress: (f: number) => void): Promise<Run> {
  return uploadWithProgress<Run>(url, file, contentType(file), onProgress);
}

/** State and territory names by 2-digit FIPS (from the directory's jurisdictions), for "seen in Arizona". */
export function useStateNames() {
  return useQuery({
    queryKey: ['jurisdictions', 'state-names'],
    staleTime: Infinity,
    queryFn: async () => {
      const names = new Map<string, string>();
      for (const kind of ['state', 'district', 'territory'] as const) {
        const r = await call(api.GET('/api/jurisdictions', { params: { query: { kind, pageSize: 200 } } }));
        for (const j of r.items) names.set(j.fips, j.name);
      }
      return names;
    },
  });
}
export const stateName = (names: Map<string, string> | undefined, fips: string) => names?.get(fips) ?? `State ${fips}`;

/** The runs of my organisation (for filters and the runs page). */
export function useRuns(limit = 50, offset = 0) {
  return useQuery({ queryKey: ['detect', 'runs', limit, offset], queryFn: () => call(api.GET('/api/detect/runs', { params: { query: { limit, offset } } })) });
}

