import type { paths } from '../../api';
import type { Me } from '../../api';

/** Types of the alerts API (/api/alerts, /api/notifications), from the generated contract. */
type Json<P extends keyof paths, M extends 'get' | 'post'> = paths[P][M] extends { responses: infer R }
  ? R extends { 200: { content: { 'application/json': infer J } } }
    ? J
    : R extends { 201: { content: { 'application/json': infer J } } }
      ? J
      : never
  : never;

export type AlertList = Json<'/api/alerts', 'get'>;
export type AlertSummary = AlertList['items'][number];
export type Alert = Json<'/api/alerts/{id}', 'get'>;
export type AckProgress = Json<'/api/alerts/{id}/acks', 'get'>;
export type Audience = Json<'/api/alerts/{id}/preview-audience', 'post'>;
export type Revisions = Json<'/api/alerts/{id}/revisions', 'get'>;
export type Notification = Json<'/api/notifications', 'get'>['items'][number];
export type Level = Alert['level'];
export type Status = Alert['status'];
export type AckStatus = 'received' | 'actioned' | 'not_applicable';
type CreateBody = NonNullable<paths['/api/alerts']['post']['requestBody']>['content']['application/json'];
type OrgKind = NonNullable<NonNullable<CreateBody['target']>['orgKinds']>[number];
export type Target = Omit<Alert['target'], 'orgKinds'> & { orgKinds: OrgKind[] };

export const ALERTS_BASE = '/warning/alerts';
export const alertPath = (id: string) => `${ALERTS_BASE}/${encodeURIComponent(id)}`;

export const LEVELS: Level[] = ['Low', 'Guarded', 'Elevated', 'High', 'Severe'];
/** One line per level, for the person authoring. */
export const LEVEL_MEANING: Record<Level, string> = {
  Low: 'For awareness; no action expected.',
  Guarded: 'Worth checking your own systems when convenient.',
  Elevated: 'Act within days; the threat is active somewhere.',
  High: 'Act today. Needs a second analyst’s approval; unacknowledged offices are escalated after 2 hours.',
  Severe: 'Act now. Needs a second analyst’s approval; escalated after 30 minutes; always mailed.',
};
/** Badge colours: dark text on light fills, each pair above 4.5:1. */
export const LEVEL_COLOURS: Record<Level, { bg: string; fg: string; border: string }> = {
  Low: { bg: '#e8f1fb', fg: '#0b3a6e', border: '#7aa7d8' },
  Guarded: { bg: '#e6f4ea', fg: '#14532d', border: '#6fbf87' },
  Elevated: { bg: '#fff6d6', fg: '#5c4200', border: '#d9b53a' },
  High: { bg: '#ffe8d6', fg: '#7a2e00', border: '#e08a4a' },
  Severe: { bg: '#fde2e2', fg: '#7f1010', border: '#d96060' },
};

export const STATUS_LABELS: Record<Status, string> = { draft: 'Draft', review: 'In review', published: 'Published', withdrawn: 'Withdrawn' };
export const ACK_LABELS: Record<AckStatus, string> = { received: 'Received', actioned: 'Actioned', not_applicable: 'Not applicable' };
export const ACK_MEANING: Record<AckStatus, string> = {
  received: 'We have read it.',
  actioned: 'We have done what it recommends.',
  not_applicable: 'It does not apply to us.',
};

/** Levels that need a second analyst's approval before publishing (the server's rule). */
export const needsApproval = (l: Level) => l === 'High' || l === 'Severe';

/** Analysts of the owning organisation or of the national hub manage an alert (the server's `canManage`). */
export function canManage(me: Me, a: Pick<Alert, 'ownerOrgId' | 'createdBy'>): boolean {
  const m = me.memberships.find((x) => x.orgId === me.currentOrgId);
  if (!m || (m.role !== 'analyst' && m.role !== 'org_admin')) return false;
  return a.ownerOrgId === me.currentOrgId || m.orgKind === 'national_hub' || a.createdBy === me.id;
}
export function isAnalyst(me: Me): boolean {
  const m = me.memberships.find((x) => x.orgId === me.currentOrgId);
  return !!m && (m.role === 'analyst' || m.role === 'org_admin');
}

export type Action = 'submit' | 'approve' | 'reject' | 'publish' | 'withdraw';
export const ACTION_LABELS: Record<Action, string> = { submit: 'Submit for review', approve: 'Approve', reject: 'Return to draft', publish: 'Publish', withdraw: 'Withdraw' };

/** The workflow actions this person may take now (the server checks again). */
export function allowedActions(me: Me, a: Alert): Action[] {
  if (!canManage(me, a)) return [];
  const author = a.createdBy === me.id;
  switch (a.status) {
    case 'draft':
      return needsApproval(a.level) ? ['submit'] : ['submit', 'publish'];
    case 'review': {
      const out: Action[] = [];
      if (!author && !a.approvedBy) out.push('approve');
      out.push('reject');
      if (!needsApproval(a.level) || (a.approvedBy && a.approvedBy !== a.createdBy)) out.push('publish');
      return out;
    }
    case 'published':
      return ['withdraw'];
    default:
      return [];
  }
}

export const emptyTarget = (): Target => ({ orgKinds: [], states: [], jurisdictions: [], communityIds: [], orgIds: [], userIds: [] });
