import type { FastifyRequest } from 'fastify';
import { ANONYMOUS, type Actor } from '../../core/access/actor.ts';
import type { Clock } from '../../core/clock.ts';
import type { ActorResolver } from '../../core/http/http.ts';
import type { ActorRow, AuthRepo } from './auth.repo.ts';
import { sha256 } from './auth.service.ts';

export const SESSION_COOKIE = 'rampart_session';
const TOUCH_MS = 60_000;

function toActor(r: ActorRow, kind: 'user' | 'token'): Actor {
  return {
    kind,
    userId: r.userId,
    name: r.name,
    orgId: r.orgId,
    orgKind: r.orgKind,
    orgPath: r.orgPath ?? [],
    communityIds: r.communityIds ?? [],
    role: r.role,
    platformAdmin: r.platformAdmin,
    scopes: kind === 'token' ? (r.scopes ?? []) : null,
  };
}

/** API tokens come as `Authorization: Bearer rmp_…` or as the password of HTTP Basic (TAXII clients). */
export function tokenFromHeader(header: string | undefined): string | null {
  if (!header) return null;
  const [scheme, value] = header.split(' ', 2);
  if (!value) return null;
  if (scheme!.toLowerCase() === 'bearer') return value.trim();
  if (scheme!.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value.trim(), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    return i >= 0 ? decoded.slice(i + 1) : null;
  }
  return null;
}

/** Turns a session cookie or an API token into the actor. One SQL round trip. */
export function createAuthResolver(repo: AuthRepo, clock: Clock): ActorResolver {
  return {
    async resolve(req: FastifyRequest) {
      const token = tokenFromHeader(req.headers.authorization);
      if (token) {
        const row = await repo.actorForToken(sha256(token), clock.now());
        if (!row || row.disabled) return { actor: ANONYMOUS, via: 'none' };
        if (!row.lastUsedAt || clock.now().getTime() - row.lastUsedAt.getTime() > TOUCH_MS) void repo.touchToken(row.tokenId!).catch(() => {});
        return { actor: toActor(row, 'token'), via: 'token' };
      }
      const cookie = req.cookies?.[SESSION_COOKIE];
      if (cookie) {
        const idHash = sha256(cookie);
        const row = await repo.actorForSession(idHash, clock.now());
        if (!row || row.disabled) return { actor: ANONYMOUS, via: 'none' };
        if (clock.now().getTime() - row.lastSeenAt!.getTime() > TOUCH_MS) void repo.touchSession(idHash).catch(() => {});
        // A session that has passed the password but not the second factor acts as nobody yet.
        return { actor: row.mfaVerified ? toActor(row, 'user') : ANONYMOUS, via: 'session', csrfToken: row.csrfToken };
      }
      return { actor: ANONYMOUS, via: 'none' };
    },
  };
}
