/** Who is acting: a signed-in person, an API token, a named system job, or nobody (public). */
export type Role = 'member' | 'analyst' | 'org_admin';

export interface Actor {
  kind: 'user' | 'token' | 'system' | 'anonymous';
  /** The person (for tokens: the person who created it). */
  userId: string | null;
  /** Display name for audit rows ("Jane Doe", "system:alerts-delivery", "anonymous"). */
  name: string;
  /** The organisation the actor acts for now (the organisation switcher). */
  orgId: string | null;
  /** orgId followed by its ancestors (a county, then its state): AMBER reaches down this path. */
  orgPath: string[];
  /** Communities of the acting organisation. */
  communityIds: string[];
  /** Kind of the acting organisation ('national_hub', 'state_election_office'…). */
  orgKind: string | null;
  /** Role in the acting organisation. */
  role: Role | null;
  /** Manages accounts; grants NO right to read shared data. */
  platformAdmin: boolean;
  /** For tokens: what it may do ("read", "write", "taxii"...); null = a person's full rights. */
  scopes: string[] | null;
}

export const ANONYMOUS: Actor = Object.freeze({
  kind: 'anonymous',
  userId: null,
  name: 'anonymous',
  orgId: null,
  orgKind: null,
  orgPath: [],
  communityIds: [],
  role: null,
  platformAdmin: false,
  scopes: null,
}) as Actor;

/** A background job acting on its own (deliveries, retention). Every audit row it writes names it. */
export function systemActor(name: string): Actor {
  return {
    kind: 'system',
    userId: null,
    name: `system:${name}`,
    orgId: null,
    orgKind: null,
    orgPath: [],
    communityIds: [],
    role: null,
    platformAdmin: false,
    scopes: null,
  };
}

const ROLE_RANK: Record<Role, number> = { member: 0, analyst: 1, org_admin: 2 };

/** Whether the actor holds at least `role` in its acting organisation. */
export function hasRole(actor: Actor, role: Role): boolean {
  return actor.role !== null && ROLE_RANK[actor.role] >= ROLE_RANK[role];
}

/** Whether the actor's token (if any) carries `scope`. People carry every scope. */
export function hasScope(actor: Actor, scope: string): boolean {
  return actor.scopes === null || actor.scopes.includes(scope);
}
