import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { hasScope, type Actor } from '../../core/access/actor.ts';
import { verifyAuditChain } from '../../core/audit/audit.ts';
import { errors } from '../../core/http/errors.ts';
import { requireActor } from '../../core/http/http.ts';
import type { Core, RampartModule } from '../../core/module.ts';
import { createAuditRepo } from './audit.repo.ts';

/**
 * The audit page and API. Platform admins read the whole log; an organisation's admins read the
 * entries made by and for their organisation. `verify` walks the hash chain.
 */
export function createAuditModule(core: Core): RampartModule {
  const repo = createAuditRepo(core.database.db);
  const scopeFor = (actor: Actor): { orgId?: string } => {
    if (!hasScope(actor, 'admin')) throw errors.forbidden('AUDIT_FORBIDDEN', 'This token lacks the admin scope');
    if (actor.platformAdmin) return {};
    if (actor.role === 'org_admin' && actor.orgId) return { orgId: actor.orgId };
    throw errors.forbidden('AUDIT_FORBIDDEN', 'Only admins read the audit log');
  };
  const Entry = z.object({
    seq: z.number().int(), at: z.string(), actorKind: z.string(), actorId: z.string().nullable(), actorName: z.string(), orgId: z.string().nullable(),
    action: z.string(), subjectType: z.string().nullable(), subjectId: z.string().nullable(), details: z.record(z.string(), z.unknown()), hash: z.string(),
  });
  return {
    name: 'audit',
    routes: async (scope: FastifyInstance) => {
      const app = scope.withTypeProvider<ZodTypeProvider>();
      app.get('/audit', {
        schema: {
          tags: ['audit'], summary: 'Audit log entries, newest first (keyset pagination with beforeSeq)',
          querystring: z.strictObject({
            action: z.string().max(100).optional(), actorId: z.string().max(100).optional(), subjectType: z.string().max(100).optional(), subjectId: z.string().max(200).optional(),
            from: z.iso.datetime().optional(), to: z.iso.datetime().optional(), q: z.string().max(200).optional(),
            beforeSeq: z.coerce.number().int().positive().optional(), limit: z.coerce.number().int().min(1).max(500).default(50),
          }),
          response: { 200: z.object({ items: z.array(Entry), nextBeforeSeq: z.number().int().nullable() }) },
        },
      }, async (req) => {
        const actor = requireActor(req);
        const q = req.query;
        const rows = await repo.list({ ...q, ...scopeFor(actor), from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined });
        return { items: rows.map((r) => ({ ...r, at: r.at.toISOString() })), nextBeforeSeq: rows.length === q.limit ? rows[rows.length - 1]!.seq : null };
      });
      app.post('/audit/verify', { schema: { tags: ['audit'], summary: 'Verify the hash chain', response: { 200: z.object({ ok: z.boolean(), entries: z.number().int(), brokenAt: z.number().int().optional(), reason: z.string().optional() }) } } }, async (req) => {
        const actor = requireActor(req);
        if (!actor.platformAdmin || !hasScope(actor, 'admin')) throw errors.forbidden('AUDIT_FORBIDDEN', 'Only platform admins verify the chain');
        return verifyAuditChain(core.database.db);
      });
    },
  };
}
