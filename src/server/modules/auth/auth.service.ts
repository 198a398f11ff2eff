import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import { generateSecret, generateURI, verify as totpVerify } from 'otplib';
import QRCode from 'qrcode';
import { hasScope, type Actor, type Role } from '../../core/access/actor.ts';
import { audit } from '../../core/audit/audit.ts';
import type { Clock } from '../../core/clock.ts';
import type { Config } from '../../core/config.ts';
import { withTx, type Db, type Tx } from '../../core/db.ts';
import { errors } from '../../core/http/errors.ts';
import type { MailQueue } from '../../core/mail.ts';
import type { AuthRepo } from './auth.repo.ts';

/** OWASP's argon2id minimum (19 MiB, 2 passes, 1 lane). */
const ARGON = { memoryCost: 19456, timeCost: 2, parallelism: 1, algorithm: 2 /* Argon2id */ } as const;
export const MIN_PASSWORD = 12;
export const TOKEN_SCOPES = ['read', 'write', 'taxii', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];
const LINK_HOURS = { invite: 72, reset: 1 } as const;

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
export const newSecretToken = (bytes = 32) => randomBytes(bytes).toString('base64url');
export const hashPassword = (p: string) => argonHash(p, ARGON);
let dummyHash: Promise<string> | null = null;

function checkPassword(p: string, path = 'body.password') {
  if (p.length < MIN_PASSWORD) throw errors.validation([{ path, message: `must be at least ${MIN_PASSWORD} characters` }]);
  if (p.length > 1024) throw errors.validation([{ path, message: 'must be at most 1024 characters' }]);
}

export type SignInState = 'signed_in' | 'mfa_required' | 'mfa_enrolment_required';

export interface AuthDeps {
  db: Db;
  repo: AuthRepo;
  config: Config;
  clock: Clock;
  mail: MailQueue;
}

export function createAuthService({ db, repo, config, clock, mail }: AuthDeps) {
  const mfaRequiredFor = (platformAdmin: boolean, roles: Role[]) => platformAdmin || roles.some((r) => r === 'analyst' || r === 'org_admin');
  const loginActor = (u: { id: string; name: string }): Actor => ({
    kind: 'user', userId: u.id, name: u.name, orgId: null, orgKind: null, orgPath: [], communityIds: [], role: null, platformAdmin: false, scopes: null,
  });

  async function startSession(userId: string, mfaVerified: boolean, meta: { ip: string; userAgent: string }) {
    const token = newSecretToken();
    const csrfToken = newSecretToken(24);
    const memberships = await repo.memberships(db, userId);
    await withTx(db, (tx) =>
      repo.insertSession(tx, {
        idHash: sha256(token), userId, orgId: memberships[0]?.orgId ?? null, csrfToken, mfaVerified,
        expiresAt: new Date(clock.now().getTime() + config.SESSION_TTL_HOURS * 3600_000), ip: meta.ip, userAgent: meta.userAgent.slice(0, 300),
      }),
    );
    return { token, csrfToken };
  }

  async function stateFor(userId: string): Promise<{ state: SignInState; mfaEnabled: boolean }> {
    const u = (await repo.userById(db, userId))!;
    const ms = await repo.memberships(db, userId);
    if (u.mfaEnabled) return { state: 'mfa_required', mfaEnabled: true };
    if (mfaRequiredFor(u.platformAdmin, ms.map((m) => m.role))) return { state: 'mfa_enrolment_required', mfaEnabled: false };
    return { state: 'signed_in', mfaEnabled: false };
  }

  async function sendLink(kind: 'invite' | 'reset', user: { id: string; email: string; name: string }, createdBy: string | null, tx: Tx, orgName?: string) {
    const token = newSecretToken();
    await repo.insertLink(tx, { tokenHash: sha256(token), kind, userId: user.id, createdBy, expiresAt: new Date(clock.now().getTime() + LINK_HOURS[kind] * 3600_000) });
    const link = `${config.PUBLIC_URL}/${kind === 'invite' ? 'accept-invite' : 'reset-password'}?token=${token}`;
    return {
      link,
      send: () =>
        mail.queue(tx,
          kind === 'invite'
            ? {
                to: user.email,
                subject: `You are invited to Rampart${orgName ? ` (${orgName})` : ''}`,
                text: `Hello ${user.name},\n\nYou have been invited to Rampart${orgName ? ` as a member of ${orgName}` : ''}, the platform election officials and their partners use to share threat information.\n\nSet your password here (the link works for ${LINK_HOURS.invite} hours):\n${link}\n\nIf you did not expect this, ignore this message.\n`,
              }
            : {
                to: user.email,
                subject: 'Reset your Rampart password',
                text: `Hello ${user.name},\n\nSomeone (hopefully you) asked to reset your Rampart password. Choose a new one here (the link works for ${LINK_HOURS.reset} hour):\n${link}\n\nIf you did not ask, ignore this message: your password is unchanged.\n`,
              },
        ),
    };
  }

  return {
    mfaRequiredFor,

    async signIn(email: string, password: string, meta: { ip: string; userAgent: string }) {
      const user = await repo.userByEmail(db, email);
      const now = clock.now();
      if (!user || !user.passwordHash || user.disabled) {
        dummyHash ??= hashPassword('not-a-real-password-for-timing');
        await argonVerify(await dummyHash, password).catch(() => false);
        throw errors.unauthenticated('Wrong email or password');
      }
      if (user.lockedUntil && user.lockedUntil > now) {
        throw errors.tooMany('AUTH_LOCKED', 'Too many failed sign-ins: this account is locked for a while. Try again later or reset your password.', Math.ceil((user.lockedUntil.getTime() - now.getTime()) / 1000));
      }
      const ok = await argonVerify(user.passwordHash, password).catch(() => false);
      if (!ok) {
        const r = await withTx(db, async (tx) => {
          const st = await repo.recordFailedLogin(tx, user.id, config.LOGIN_MAX_ATTEMPTS, new Date(now.getTime() + config.LOGIN_LOCKOUT_MINUTES * 60_000));
          await audit(tx, loginActor(user), { action: 'auth.login.failed', subjectType: 'user', subjectId: user.id, details: { failedLogins: st.failedLogins } });
          if (st.failedLogins === config.LOGIN_MAX_ATTEMPTS) await audit(tx, loginActor(user), { action: 'auth.lockout', subjectType: 'user', subjectId: user.id });
          return st;
        });
        if (r.lockedUntil && r.lockedUntil > now) throw errors.tooMany('AUTH_LOCKED', 'Too many failed sign-ins: this account is locked for a while.', config.LOGIN_LOCKOUT_MINUTES * 60);
        throw errors.unauthenticated('Wrong email or password');
      }
      const { state } = await stateFor(user.id);
      await withTx(db, async (tx) => {
        await repo.updateUser(tx, user.id, { failedLogins: 0, lockedUntil: null, ...(state === 'signed_in' ? { lastLoginAt: now } : {}) });
        await audit(tx, loginActor(user), { action: 'auth.login', subjectType: 'user', subjectId: user.id, details: { state } });
      });
      const s = await startSession(user.id, state === 'signed_in', meta);
      return { ...s, state };
    },

    /** Second factor: a TOTP code or a one-time recovery code, for a session that passed the password. */
    async verifyMfa(sessionToken: string, input: { code?: string; recoveryCode?: string }) {
      const idHash = sha256(sessionToken);
      const s = await repo.sessionByHash(db, idHash, clock.now());
      if (!s) throw errors.unauthenticated('Sign in first');
      const user = (await repo.userById(db, s.userId))!;
      if (!user.mfaEnabled || !user.mfaSecret) throw errors.badRequest('AUTH_MFA_NOT_ENROLLED', 'Two-step verification is not set up for this account');
      if (user.lockedUntil && user.lockedUntil > clock.now()) throw errors.tooMany('AUTH_LOCKED', 'Too many failed attempts: locked for a while.');
      let ok = false;
      let usedRecovery = false;
      if (input.code) {
        ok = (await totpVerify({ secret: user.mfaSecret, token: input.code.replace(/\s/g, ''), epochTolerance: 30, epoch: Math.floor(clock.now().getTime() / 1000) })).valid;
      } else if (input.recoveryCode) {
        const h = sha256(input.recoveryCode.replace(/[\s-]/g, '').toLowerCase());
        const remaining = user.recoveryCodes.filter((c) => !safeEqual(c, h));
        if (remaining.length < user.recoveryCodes.length) {
          ok = true;
          usedRecovery = true;
          await withTx(db, (tx) => repo.updateUser(tx, user.id, { recoveryCodes: remaining }));
        }
      }
      await withTx(db, async (tx) => {
        if (!ok) {
          await repo.recordFailedLogin(tx, user.id, config.LOGIN_MAX_ATTEMPTS, new Date(clock.now().getTime() + config.LOGIN_LOCKOUT_MINUTES * 60_000));
          await audit(tx, loginActor(user), { action: 'auth.mfa.failed', subjectType: 'user', subjectId: user.id });
          return;
        }
        await repo.updateSession(tx, idHash, { mfaVerified: true });
        await repo.updateUser(tx, user.id, { failedLogins: 0, lockedUntil: null, lastLoginAt: clock.now() });
        await audit(tx, loginActor(user), { action: usedRecovery ? 'auth.mfa.recovery_code_used' : 'auth.mfa.verified', subjectType: 'user', subjectId: user.id });
      });
      if (!ok) throw errors.unauthenticated('That code is not valid');
      return { state: 'signed_in' as const, recoveryCodesLeft: usedRecovery ? user.recoveryCodes.length - 1 : undefined };
    },

    /** Starts enrolment: a new secret (not active until confirmed) with its otpauth URI and QR code. */
    async mfaSetup(sessionToken: string) {
      const s = await repo.sessionByHash(db, sha256(sessionToken), clock.now());
      if (!s) throw errors.unauthenticated('Sign in first');
      const user = (await repo.userById(db, s.userId))!;
      if (user.mfaEnabled && !s.mfaVerified) throw errors.forbidden('AUTH_MFA_REQUIRED', 'Verify with your current code first');
      if (user.mfaEnabled) throw errors.conflict('AUTH_MFA_ALREADY_ENABLED', 'Two-step verification is already on; ask an admin to reset it to enrol a new device');
      const secret = generateSecret();
      await withTx(db, (tx) => repo.updateUser(tx, user.id, { mfaSecret: secret }));
      const otpauthUrl = generateURI({ issuer: 'Rampart', label: user.email, secret });
      const qrSvg = await QRCode.toString(otpauthUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
      return { secret, otpauthUrl, qrSvg };
    },

    /** Confirms enrolment with a first code; returns ten recovery codes, shown once. */
    async mfaEnable(sessionToken: string, code: string) {
      const idHash = sha256(sessionToken);
      const s = await repo.sessionByHash(db, idHash, clock.now());
      if (!s) throw errors.unauthenticated('Sign in first');
      const user = (await repo.userById(db, s.userId))!;
      if (user.mfaEnabled) throw errors.conflict('AUTH_MFA_ALREADY_ENABLED', 'Two-step verification is already on');
      if (!user.mfaSecret) throw errors.badRequest('AUTH_MFA_NO_SETUP', 'Start the setup first');
      const valid = (await totpVerify({ secret: user.mfaSecret, token: code.replace(/\s/g, ''), epochTolerance: 30, epoch: Math.floor(clock.now().getTime() / 1000) })).valid;
      if (!valid) throw errors.validation([{ path: 'body.code', message: 'that code is not valid; check your device’s clock and try the next code' }]);
      const codes = Array.from({ length: 10 }, () => randomBytes(5).toString('hex'));
      await withTx(db, async (tx) => {
        await repo.updateUser(tx, user.id, { mfaEnabled: true, recoveryCodes: codes.map((c) => sha256(c)), lastLoginAt: clock.now() });
        await repo.updateSession(tx, idHash, { mfaVerified: true });
        await audit(tx, loginActor(user), { action: 'auth.mfa.enabled', subjectType: 'user', subjectId: user.id });
      });
      return { recoveryCodes: codes.map((c) => `${c.slice(0, 5)}-${c.slice(5)}`) };
    },

    async signOut(sessionToken: string) {
      await withTx(db, (tx) => repo.deleteSession(tx, sha256(sessionToken)));
    },

    async pendingSession(sessionToken: string) {
      const s = await repo.sessionByHash(db, sha256(sessionToken), clock.now());
      if (!s) return null;
      const user = (await repo.userById(db, s.userId))!;
      return { ...s, user, state: s.mfaVerified ? ('signed_in' as const) : user.mfaEnabled ? ('mfa_required' as const) : ('mfa_enrolment_required' as const) };
    },

    async me(actor: Actor) {
      if (actor.kind !== 'user' && actor.kind !== 'token') throw errors.unauthenticated();
      const user = (await repo.userById(db, actor.userId!))!;
      return {
        id: user.id, email: user.email, name: user.name, platformAdmin: user.platformAdmin, mfaEnabled: user.mfaEnabled,
        recoveryCodesLeft: user.recoveryCodes.length, currentOrgId: actor.orgId, role: actor.role,
        memberships: await repo.memberships(db, user.id),
      };
    },

    async switchOrg(actor: Actor, sessionToken: string, orgId: string) {
      const ms = await repo.memberships(db, actor.userId!);
      if (!ms.some((m) => m.orgId === orgId)) throw errors.notFound('organisation');
      await withTx(db, async (tx) => {
        await repo.updateSession(tx, sha256(sessionToken), { orgId });
        await audit(tx, actor, { action: 'auth.switch_org', subjectType: 'organisation', subjectId: orgId });
      });
    },

    async createToken(actor: Actor, input: { name: string; scopes: TokenScope[]; orgId?: string; expiresInDays?: number }) {
      if (actor.kind !== 'user') throw errors.forbidden('AUTH_TOKEN_FROM_TOKEN', 'Tokens are created by a signed-in person');
      const orgId = input.orgId ?? actor.orgId;
      const ms = await repo.memberships(db, actor.userId!);
      if (!orgId || !ms.some((m) => m.orgId === orgId)) throw errors.validation([{ path: 'body.orgId', message: 'you are not a member of that organisation' }]);
      if (input.scopes.includes('admin') && !actor.platformAdmin && !ms.some((m) => m.orgId === orgId && m.role === 'org_admin')) {
        throw errors.validation([{ path: 'body.scopes', message: 'the admin scope needs an admin role' }]);
      }
      const secret = newSecretToken(30);
      const token = `rmp_${secret}`;
      const id = await withTx(db, async (tx) => {
        const id = await repo.insertToken(tx, {
          userId: actor.userId!, orgId, name: input.name, scopes: input.scopes, prefix: token.slice(0, 12), tokenHash: sha256(token),
          expiresAt: input.expiresInDays ? new Date(clock.now().getTime() + input.expiresInDays * 86400_000) : null,
        });
        await audit(tx, actor, { action: 'auth.token.create', subjectType: 'api_token', subjectId: id, details: { name: input.name, scopes: input.scopes, orgId } });
        return id;
      });
      return { id, token };
    },

    listTokens: (actor: Actor) => repo.listTokens(db, actor.userId!),

    async revokeToken(actor: Actor, id: string) {
      await withTx(db, async (tx) => {
        if (!(await repo.revokeToken(tx, actor.userId!, id))) throw errors.notFound('token');
        await audit(tx, actor, { action: 'auth.token.revoke', subjectType: 'api_token', subjectId: id });
      });
    },

    /** Invites a person into an organisation (org admins for their organisation; platform admins anywhere). */
    async invite(actor: Actor, input: { email: string; name: string; orgId: string; role: Role }, orgName: string) {
      const ms = actor.userId ? await repo.memberships(db, actor.userId) : [];
      const orgAdmin = ms.some((m) => m.orgId === input.orgId && m.role === 'org_admin');
      if (!(actor.kind === 'system' || ((actor.platformAdmin || orgAdmin) && hasScope(actor, 'admin')))) {
        throw errors.forbidden('AUTH_FORBIDDEN', 'Only this organisation’s admins or a platform admin can invite people');
      }
      return withTx(db, async (tx) => {
        let user = await repo.userByEmail(tx, input.email);
        if (!user) {
          const id = await repo.insertUser(tx, { email: input.email, name: input.name, passwordHash: null, platformAdmin: false });
          user = (await repo.userById(tx, id))!;
        }
        await repo.upsertMembership(tx, user.id, input.orgId, input.role);
        await audit(tx, actor, { action: 'auth.user.invite', subjectType: 'user', subjectId: user.id, details: { orgId: input.orgId, role: input.role } });
        const l = await sendLink('invite', user, actor.userId, tx, orgName);
        await l.send();
        return { userId: user.id, link: l.link };
      });
    },

    async acceptInvite(token: string, password: string, meta: { ip: string; userAgent: string }) {
      checkPassword(password);
      const passwordHash = await hashPassword(password);
      const userId = await withTx(db, async (tx) => {
        const userId = await repo.consumeLink(tx, sha256(token), 'invite', clock.now());
        if (!userId) throw errors.badRequest('AUTH_LINK_INVALID', 'This invitation link is not valid any more (used or expired). Ask for a new one.', { path: 'body.token' });
        await repo.updateUser(tx, userId, { passwordHash });
        const u = (await repo.userById(tx, userId))!;
        await audit(tx, loginActor(u), { action: 'auth.invite.accepted', subjectType: 'user', subjectId: userId });
        return userId;
      });
      const { state } = await stateFor(userId);
      return { ...(await startSession(userId, state === 'signed_in', meta)), state };
    },

    /** Always answers the same, whether or not the address is known. */
    async requestPasswordReset(email: string) {
      const user = await repo.userByEmail(db, email);
      if (!user || user.disabled) return;
      await withTx(db, async (tx) => {
        await audit(tx, loginActor(user), { action: 'auth.reset.requested', subjectType: 'user', subjectId: user.id });
        await (await sendLink('reset', user, null, tx)).send();
      });
    },

    async confirmPasswordReset(token: string, password: string) {
      checkPassword(password);
      const passwordHash = await hashPassword(password);
      await withTx(db, async (tx) => {
        const userId = await repo.consumeLink(tx, sha256(token), 'reset', clock.now());
        if (!userId) throw errors.badRequest('AUTH_LINK_INVALID', 'This reset link is not valid any more (used or expired). Ask for a new one.', { path: 'body.token' });
        await repo.updateUser(tx, userId, { passwordHash, failedLogins: 0, lockedUntil: null });
        await repo.deleteUserSessions(tx, userId);
        const u = (await repo.userById(tx, userId))!;
        await audit(tx, loginActor(u), { action: 'auth.reset.completed', subjectType: 'user', subjectId: userId });
      });
    },

    async listUsers(actor: Actor, q: { orgId?: string; q?: string; page: number; pageSize: number }) {
      if (actor.kind === 'anonymous') throw errors.unauthenticated();
      if (!actor.platformAdmin) {
        // Organisation admins see the people of their acting organisation.
        if (actor.role !== 'org_admin' || !actor.orgId) throw errors.forbidden('AUTH_FORBIDDEN', 'Only admins list people');
        q = { ...q, orgId: actor.orgId };
      }
      return repo.listUsers(db, q);
    },

    /** Platform admin: clears a person's MFA so they enrol again at next sign-in. */
    async resetMfa(actor: Actor, userId: string) {
      if (!(actor.kind === 'system' || (actor.platformAdmin && hasScope(actor, 'admin')))) throw errors.forbidden('AUTH_FORBIDDEN', 'Only platform admins reset MFA');
      await withTx(db, async (tx) => {
        const u = await repo.userById(tx, userId);
        if (!u) throw errors.notFound('user');
        await repo.updateUser(tx, userId, { mfaEnabled: false, mfaSecret: null, recoveryCodes: [] });
        await repo.deleteUserSessions(tx, userId);
        await audit(tx, actor, { action: 'auth.mfa.reset', subjectType: 'user', subjectId: userId });
      });
    },

    async setDisabled(actor: Actor, userId: string, disabled: boolean) {
      if (!(actor.kind === 'system' || (actor.platformAdmin && hasScope(actor, 'admin')))) throw errors.forbidden('AUTH_FORBIDDEN', 'Only platform admins disable accounts');
      await withTx(db, async (tx) => {
        const u = await repo.userById(tx, userId);
        if (!u) throw errors.notFound('user');
        await repo.updateUser(tx, userId, { disabled });
        if (disabled) await repo.deleteUserSessions(tx, userId);
        await audit(tx, actor, { action: disabled ? 'auth.user.disable' : 'auth.user.enable', subjectType: 'user', subjectId: userId });
      });
    },

    /** CLI / seeding: creates a person with a password and memberships. */
    async createUser(actor: Actor, input: { email: string; name: string; password: string; platformAdmin?: boolean; memberships: { orgId: string; role: Role }[]; mfaSecret?: string }) {
      checkPassword(input.password, 'password');
      const passwordHash = await hashPassword(input.password);
      return withTx(db, async (tx) => {
        if (await repo.userByEmail(tx, input.email)) throw errors.conflict('AUTH_EMAIL_TAKEN', `A person with email ${input.email} exists`, { path: 'email' });
        const id = await repo.insertUser(tx, { email: input.email, name: input.name, passwordHash, platformAdmin: input.platformAdmin ?? false });
        for (const m of input.memberships) await repo.upsertMembership(tx, id, m.orgId, m.role);
        if (input.mfaSecret) await repo.updateUser(tx, id, { mfaSecret: input.mfaSecret, mfaEnabled: true });
        await audit(tx, actor, { action: 'auth.user.create', subjectType: 'user', subjectId: id, details: { email: input.email, memberships: input.memberships } });
        return id;
      });
    },
  };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export type AuthService = ReturnType<typeof createAuthService>;
