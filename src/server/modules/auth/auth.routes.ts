import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../core/config.ts';
import { errors } from '../../core/http/errors.ts';
import { requireActor } from '../../core/http/http.ts';
import type { DirectoryService } from '../directory/index.ts';
import { SESSION_COOKIE } from './auth.resolver.ts';
import { TOKEN_SCOPES, type AuthService } from './auth.service.ts';

const Email = z.email().max(320);
const Password = z.string().min(1).max(1024);
const Role = z.enum(['member', 'analyst', 'org_admin']);
const SignInState = z.enum(['signed_in', 'mfa_required', 'mfa_enrolment_required']);
const SessionResponse = z.object({ state: SignInState, csrfToken: z.string() });
const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

const Me = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  platformAdmin: z.boolean(),
  mfaEnabled: z.boolean(),
  recoveryCodesLeft: z.number().int(),
  currentOrgId: z.uuid().nullable(),
  role: Role.nullable(),
  memberships: z.array(z.object({ orgId: z.uuid(), orgName: z.string(), orgKind: z.string(), role: Role })),
  csrfToken: z.string().nullable(),
});

export function authRoutes(service: AuthService, directory: DirectoryService, config: Config) {
  return async (scope: FastifyInstance) => {
    const app = scope.withTypeProvider<ZodTypeProvider>();
    const tags = ['auth'];
    const secure = config.PUBLIC_URL.startsWith('https:');
    const setCookie = (reply: FastifyReply, token: string) =>
      reply.setCookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure, path: '/', maxAge: config.SESSION_TTL_HOURS * 3600 });
    const meta = (req: FastifyRequest) => ({ ip: req.ip, userAgent: String(req.headers['user-agent'] ?? '') });
    const sessionToken = (req: FastifyRequest) => {
      const t = req.cookies[SESSION_COOKIE];
      if (!t) throw errors.unauthenticated('Sign in first');
      return t;
    };

    // Sign-in and link routes: rate limited per client address, on top of the per-account lockout.
    await app.register(async (limited) => {
      await limited.register(rateLimit, { max: config.RAMPART_ENV === 'test' ? 1000 : 20, timeWindow: '1 minute' });
      const l = limited.withTypeProvider<ZodTypeProvider>();
      l.post('/auth/login', { config: { csrf: false }, schema: { tags, summary: 'Sign in with email and password', body: z.strictObject({ email: Email, password: Password }), response: { 200: SessionResponse } } }, async (req, reply) => {
        const r = await service.signIn(req.body.email, req.body.password, meta(req));
        setCookie(reply, r.token);
        return { state: r.state, csrfToken: r.csrfToken };
      });
      l.post('/auth/mfa/verify', {
        config: { csrf: false },
        schema: { tags, summary: 'Second step: a TOTP code or a recovery code', body: z.strictObject({ code: z.string().regex(/^[0-9 ]{6,8}$/, 'must be the 6-digit code').optional(), recoveryCode: z.string().max(20).optional() }).refine((b) => b.code || b.recoveryCode, { message: 'give a code or a recovery code', path: ['code'] }), response: { 200: z.object({ state: z.literal('signed_in'), recoveryCodesLeft: z.number().int().optional() }) } },
      }, async (req) => service.verifyMfa(sessionToken(req), req.body));
      l.post('/auth/password-reset', { config: { csrf: false }, schema: { tags, summary: 'Email a password-reset link', body: z.strictObject({ email: Email }), response: { 202: z.object({ status: z.literal('sent-if-known') }) } } }, async (req, reply) => {
        await service.requestPasswordReset(req.body.email);
        return reply.code(202).send({ status: 'sent-if-known' as const });
      });
      l.post('/auth/password-reset/confirm', { config: { csrf: false }, schema: { tags, summary: 'Set a new password from a reset link', body: z.strictObject({ token: z.string().min(10).max(200), password: Password }), response: { 204: z.null() } } }, async (req, reply) => {
        await service.confirmPasswordReset(req.body.token, req.body.password);
        return reply.code(204).send(null);
      });
      l.post('/auth/accept-invite', { config: { csrf: false }, schema: { tags, summary: 'Accept an invitation: choose a password', body: z.strictObject({ token: z.string().min(10).max(200), password: Password }), response: { 200: SessionResponse } } }, async (req, reply) => {
        const r = await service.acceptInvite(req.body.token, req.body.password, meta(req));
        setCookie(reply, r.token);
        return { state: r.state, csrfToken: r.csrfToken };
      });
    });

    app.post('/auth/mfa/setup', { schema: { tags, summary: 'Start two-step verification enrolment', response: { 200: z.object({ secret: z.string(), otpauthUrl: z.string(), qrSvg: z.string() }) } } }, async (req) => service.mfaSetup(sessionToken(req)));
    app.post('/auth/mfa/enable', { schema: { tags, summary: 'Confirm enrolment with a first code', body: z.strictObject({ code: z.string().regex(/^[0-9 ]{6,8}$/, 'must be the 6-digit code') }), response: { 200: z.object({ recoveryCodes: z.array(z.string()) }) } } }, async (req) => service.mfaEnable(sessionToken(req), req.body.code));

    app.post('/auth/logout', { schema: { tags, summary: 'Sign out', response: { 204: z.null() } } }, async (req, reply) => {
      const t = req.cookies[SESSION_COOKIE];
      if (t) await service.signOut(t);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    });

    app.get('/auth/session', { schema: { tags, summary: 'Where the sign-in stands (for the sign-in page)', response: { 200: z.object({ state: z.enum(['signed_out', 'signed_in', 'mfa_required', 'mfa_enrolment_required']), csrfToken: z.string().nullable() }) } } }, async (req) => {
      const t = req.cookies[SESSION_COOKIE];
      const p = t ? await service.pendingSession(t) : null;
      return p ? { state: p.state, csrfToken: p.csrfToken } : { state: 'signed_out' as const, csrfToken: null };
    });

    app.get('/auth/me', { schema: { tags, summary: 'The signed-in person', response: { 200: Me } } }, async (req) => {
      const actor = requireActor(req);
      const me = await service.me(actor);
      const t = req.cookies[SESSION_COOKIE];
      const p = t && req.authVia === 'session' ? await service.pendingSession(t) : null;
      return { ...me, csrfToken: p?.csrfToken ?? null };
    });

    app.post('/auth/switch-org', { schema: { tags, summary: 'Act for another of my organisations', body: z.strictObject({ orgId: z.uuid() }), response: { 204: z.null() } } }, async (req, reply) => {
      const actor = requireActor(req);
      if (req.authVia !== 'session') throw errors.badRequest('AUTH_SESSION_ONLY', 'Tokens are bound to one organisation');
      await service.switchOrg(actor, sessionToken(req), req.body.orgId);
      return reply.code(204).send(null);
    });

    const Token = z.object({ id: z.uuid(), name: z.string(), orgId: z.uuid(), orgName: z.string(), scopes: z.array(z.string()), prefix: z.string(), createdAt: z.string(), expiresAt: z.string().nullable(), lastUsedAt: z.string().nullable(), revokedAt: z.string().nullable() });
    app.get('/tokens', { schema: { tags: ['tokens'], summary: 'My API tokens', response: { 200: z.object({ items: z.array(Token) }) } } }, async (req) => {
      const actor = requireActor(req);
      const rows = await service.listTokens(actor);
      return { items: rows.map((t) => ({ ...t, createdAt: t.createdAt.toISOString(), expiresAt: iso(t.expiresAt), lastUsedAt: iso(t.lastUsedAt), revokedAt: iso(t.revokedAt) })) };
    });
    app.post('/tokens', {
      schema: { tags: ['tokens'], summary: 'Create an API token (shown once)', body: z.strictObject({ name: z.string().trim().min(1).max(100), scopes: z.array(z.enum(TOKEN_SCOPES)).min(1).max(4), orgId: z.uuid().optional(), expiresInDays: z.number().int().min(1).max(3650).optional() }), response: { 201: z.object({ id: z.uuid(), token: z.string() }) } },
    }, async (req, reply) => reply.code(201).send(await service.createToken(requireActor(req), req.body)));
    app.delete('/tokens/:id', { schema: { tags: ['tokens'], summary: 'Revoke an API token', params: z.strictObject({ id: z.uuid() }), response: { 204: z.null() } } }, async (req, reply) => {
      await service.revokeToken(requireActor(req), req.params.id);
      return reply.code(204).send(null);
    });

    const UserItem = z.object({ id: z.uuid(), email: z.string(), name: z.string(), platformAdmin: z.boolean(), mfaEnabled: z.boolean(), disabled: z.boolean(), invited: z.boolean(), lastLoginAt: z.string().nullable(), createdAt: z.string(), memberships: z.array(z.object({ orgId: z.uuid(), orgName: z.string(), role: Role })) });
    app.get('/users', { schema: { tags: ['users'], summary: 'People (platform admins: everyone; organisation admins: their organisation)', querystring: z.strictObject({ q: z.string().max(200).optional(), orgId: z.uuid().optional(), page: z.coerce.number().int().min(1).default(1), pageSize: z.coerce.number().int().min(1).max(200).default(25) }), response: { 200: z.object({ items: z.array(UserItem), total: z.number().int(), page: z.number().int(), pageSize: z.number().int() }) } } }, async (req) => {
      const r = await service.listUsers(requireActor(req), req.query);
      return { items: r.items.map((u) => ({ ...u, lastLoginAt: iso(u.lastLoginAt), createdAt: u.createdAt.toISOString() })), total: r.total, page: req.query.page, pageSize: req.query.pageSize };
    });
    app.post('/users/invite', { schema: { tags: ['users'], summary: 'Invite a person into an organisation (emails a link)', body: z.strictObject({ email: Email, name: z.string().trim().min(1).max(200), orgId: z.uuid(), role: Role }), response: { 201: z.object({ userId: z.uuid() }) } } }, async (req, reply) => {
      const actor = requireActor(req);
      const org = await directory.getOrg(actor, req.body.orgId).catch(() => null);
      if (!org) throw errors.validation([{ path: 'body.orgId', message: 'no such organisation' }]);
      const r = await service.invite(actor, req.body, org.name);
      return reply.code(201).send({ userId: r.userId });
    });
    app.post('/users/:id/reset-mfa', { schema: { tags: ['users'], summary: 'Reset a person’s two-step verification', params: z.strictObject({ id: z.uuid() }), response: { 204: z.null() } } }, async (req, reply) => {
      await service.resetMfa(requireActor(req), req.params.id);
      return reply.code(204).send(null);
    });
    app.post('/users/:id/disable', { schema: { tags: ['users'], summary: 'Disable or re-enable an account', params: z.strictObject({ id: z.uuid() }), body: z.strictObject({ disabled: z.boolean() }), response: { 204: z.null() } } }, async (req, reply) => {
      await service.setDisabled(requireActor(req), req.params.id, req.body.disabled);
      return reply.code(204).send(null);
    });
  };
}
