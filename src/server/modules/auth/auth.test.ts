import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { generate } from 'otplib';
import { sql } from 'kysely';
import type { AddressInfo } from 'node:net';
import { systemActor } from '../../core/access/actor.ts';
import { createTestRampart, createWorld, TEST_PASSWORD, type TestRampart, type World } from '../../test/harness.ts';
import { createMailer } from '../../core/mail.ts';

/** A real SMTP server inside the test: every message Rampart sends is received here. */
function startSmtp() {
  const inbox: { to: string[]; raw: string }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, cb) {
      let raw = '';
      stream.on('data', (d: Buffer) => (raw += d.toString('utf8')));
      stream.on('end', () => {
        inbox.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        cb();
      });
    },
  });
  return new Promise<{ port: number; inbox: typeof inbox; close: () => Promise<void> }>((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ port: (server.server.address() as AddressInfo).port, inbox, close: () => new Promise((r) => server.close(() => r())) }));
  });
}
/** Mail bodies are quoted-printable: undo soft line breaks and =XX escapes. */
const decodeQp = (s: string) => s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
const waitFor = async <T>(f: () => T | undefined, what: string): Promise<T> => {
  for (let i = 0; i < 2000; i++) {
    const v = f();
    if (v !== undefined) return v;
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
};

let r: TestRampart;
let w: World;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

beforeAll(async () => {
  smtp = await startSmtp();
  const mailer = createMailer({ smtpUrl: `smtp://127.0.0.1:${smtp.port}`, from: 'Rampart <rampart@test>', outboxDir: '/nonexistent' });
  r = await createTestRampart({ mailer, workers: true, config: { LOGIN_MAX_ATTEMPTS: '3' } });
  w = await createWorld(r);
  await r.services.auth.createUser(systemActor('test'), { email: 'mfa.analyst@personas.test', name: 'MFA Analyst', password: TEST_PASSWORD, memberships: [{ orgId: w.org.STATE_AZ, role: 'analyst' }], mfaSecret: SECRET });
});
afterAll(async () => {
  await r?.close();
  await smtp?.close();
});

function cookieOf(res: { headers: Record<string, unknown> }): string {
  const set = res.headers['set-cookie'];
  const c = (Array.isArray(set) ? set : [set]).find((x) => typeof x === 'string' && x.startsWith('rampart_session='));
  return String(c).split(';')[0]!;
}
const login = (email: string, password = TEST_PASSWORD) => r.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
const totp = (epochOffset = 0) => generate({ secret: SECRET, epoch: Math.floor(Date.now() / 1000) + epochOffset });

describe('sign-in', () => {
  test('a member signs in with a password; the cookie is HTTP-only and same-site', async () => {
    const res = await login(w.email.AZ_MEMBER);
    expect(res.statusCode).toBe(200);
    expect(res.json().state).toBe('signed_in');
    const set = String(res.headers['set-cookie']);
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    const me = await r.app.inject({ url: '/api/auth/me', headers: { cookie: cookieOf(res) } });
    expect(me.json()).toMatchObject({ email: w.email.AZ_MEMBER, currentOrgId: w.org.STATE_AZ, role: 'member' });
  });

  test('wrong password and unknown email answer the same', async () => {
    const a = await login(w.email.AZ_MEMBER, 'wrong password!!');
    const b = await login('nobody@nowhere.test', 'wrong password!!');
    expect(a.statusCode).toBe(401);
    expect(b.statusCode).toBe(401);
    expect(a.json()).toEqual(b.json());
  });

  test('an analyst needs the second factor; the session acts as nobody until then', async () => {
    const res = await login('mfa.analyst@personas.test');
    expect(res.json().state).toBe('mfa_required');
    const cookie = cookieOf(res);
    expect((await r.app.inject({ url: '/api/organisations', headers: { cookie } })).statusCode).toBe(401);
    const bad = await r.app.inject({ method: 'POST', url: '/api/auth/mfa/verify', headers: { cookie }, payload: { code: '000000' } });
    expect(bad.statusCode).toBe(401);
    const ok = await r.app.inject({ method: 'POST', url: '/api/auth/mfa/verify', headers: { cookie }, payload: { code: await totp() } });
    expect(ok.statusCode).toBe(200);
    expect((await r.app.inject({ url: '/api/organisations', headers: { cookie } })).statusCode).toBe(200);
  });

  test('an analyst without MFA must enrol: QR code, first code, recovery codes that work once', async () => {
    await r.services.auth.createUser(systemActor('test'), { email: 'new.analyst@personas.test', name: 'New Analyst', password: TEST_PASSWORD, memberships: [{ orgId: w.org.STATE_GA, role: 'analyst' }] });
    const res = await login('new.analyst@personas.test');
    expect(res.json().state).toBe('mfa_enrolment_required');
    const cookie = cookieOf(res);
    const csrf = res.json().csrfToken as string;
    expect((await r.app.inject({ url: '/api/organisations', headers: { cookie } })).statusCode).toBe(401);
    const setup = await r.app.inject({ method: 'POST', url: '/api/auth/mfa/setup', headers: { cookie, 'x-csrf-token': csrf } });
    expect(setup.statusCode).toBe(200);
    const { secret, otpauthUrl, qrSvg } = setup.json();
    expect(otpauthUrl).toMatch(/^otpauth:\/\/totp\/Rampart:new\.analyst%40personas\.test\?secret=/);
    expect(qrSvg).toMatch(/^<svg/);
    const wrong = await r.app.inject({ method: 'POST', url: '/api/auth/mfa/enable', headers: { cookie, 'x-csrf-token': csrf }, payload: { code: '123456' } });
    expect(wrong.json().error.details.path).toBe('body.code');
    const enable = await r.app.inject({ method: 'POST', url: '/api/auth/mfa/enable', headers: { cookie, 'x-csrf-token': csrf }, payload: { code: await generate({ secret }) } });
    expect(enable.statusCode).toBe(200);
    const codes = enable.json().recoveryCodes as string[];
    expect(codes).toHaveLength(10);
    expect((await r.app.inject({ url: '/api/organisations', headers: { cookie } })).statusCode).toBe(200);
    // next sign-in with a recovery code, which then stops working
    const again = cookieOf(await login('new.analyst@personas.test'));
    const rc = await r.app.inject({ method: 'POST', url: '/api/auth/mfa/verify', headers: { cookie: again }, payload: { recoveryCode: codes[0] } });
    expect(rc.json()).toEqual({ state: 'signed_in', recoveryCodesLeft: 9 });
    const third = cookieOf(await login('new.analyst@personas.test'));
    const reuse = await r.app.inject({ method: 'POST', url: '/api/auth/mfa/verify', headers: { cookie: third }, payload: { recoveryCode: codes[0] } });
    expect(reuse.statusCode).toBe(401);
  });

  test('repeated failures lock the account for a while (per-account lockout)', async () => {
    await r.services.auth.createUser(systemActor('test'), { email: 'victim@personas.test', name: 'Victim', password: TEST_PASSWORD, memberships: [{ orgId: w.org.LAW, role: 'member' }] });
    for (let i = 0; i < 2; i++) expect((await login('victim@personas.test', 'wrong-password-x')).statusCode).toBe(401);
    const third = await login('victim@personas.test', 'wrong-password-x');
    expect(third.statusCode).toBe(429);
    expect(third.json().error.code).toBe('AUTH_LOCKED');
    // even the right password is refused while locked
    expect((await login('victim@personas.test')).statusCode).toBe(429);
    // …until the lockout passes
    r.core.clock.advance(16 * 60_000);
    expect((await login('victim@personas.test')).statusCode).toBe(200);
    const rows = await sql<{ action: string }>`SELECT action FROM audit_log WHERE subject_id = (SELECT id::text FROM users WHERE email = 'victim@personas.test') ORDER BY seq`.execute(r.core.database.db);
    expect(rows.rows.map((x) => x.action)).toContain('auth.lockout');
  });

  test('state-changing browser requests need the CSRF token', async () => {
    const m = await login(w.email.AZ_MEMBER);
    const cookie = cookieOf(m);
    const csrf = m.json().csrfToken as string;
    const without = await r.app.inject({ method: 'POST', url: '/api/auth/switch-org', headers: { cookie }, payload: { orgId: w.org.STATE_AZ } });
    expect(without.statusCode).toBe(403);
    expect(without.json().error.code).toBe('AUTH_CSRF_FAILED');
    const withToken = await r.app.inject({ method: 'POST', url: '/api/auth/switch-org', headers: { cookie, 'x-csrf-token': csrf }, payload: { orgId: w.org.STATE_AZ } });
    expect(withToken.statusCode).toBe(204);
    const notMine = await r.app.inject({ method: 'POST', url: '/api/auth/switch-org', headers: { cookie, 'x-csrf-token': csrf }, payload: { orgId: w.org.STATE_GA } });
    expect(notMine.statusCode).toBe(404);
  });

  test('sign out ends the session', async () => {
    const m = await login(w.email.AZ_MEMBER);
    const cookie = cookieOf(m);
    await r.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie, 'x-csrf-token': m.json().csrfToken } });
    expect((await r.app.inject({ url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(401);
  });
});

describe('API tokens', () => {
  test('shown once, stored hashed, usable as Bearer and as HTTP Basic password, revocable, last-used recorded', async () => {
    const m = await login(w.email.AZ_MEMBER);
    const h = { cookie: cookieOf(m), 'x-csrf-token': m.json().csrfToken as string };
    const created = await r.app.inject({ method: 'POST', url: '/api/tokens', headers: h, payload: { name: 'feed reader', scopes: ['read', 'taxii'] } });
    expect(created.statusCode).toBe(201);
    const { id, token } = created.json();
    expect(token).toMatch(/^rmp_/);
    const stored = await sql<{ token_hash: string }>`SELECT token_hash FROM api_tokens WHERE id = ${id}::uuid`.execute(r.core.database.db);
    expect(stored.rows[0]!.token_hash).not.toContain(token.slice(4));
    expect(stored.rows[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await r.app.inject({ url: '/api/organisations', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    const basic = Buffer.from(`anyone:${token}`).toString('base64');
    expect((await r.app.inject({ url: '/api/organisations', headers: { authorization: `Basic ${basic}` } })).statusCode).toBe(200);
    const list = (await r.app.inject({ url: '/api/tokens', headers: h })).json().items;
    const mine = list.find((t: { id: string }) => t.id === id);
    expect(mine.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(list)).not.toContain(token);
    // a read-only token cannot write
    expect((await r.app.inject({ method: 'POST', url: '/api/communities', headers: { authorization: `Bearer ${token}` }, payload: { name: 'nope' } })).statusCode).toBe(403);
    const del = await r.app.inject({ method: 'DELETE', url: `/api/tokens/${id}`, headers: h });
    expect(del.statusCode).toBe(204);
    expect((await r.app.inject({ url: '/api/organisations', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
  });

  test('a member cannot mint an admin-scoped token, nor a token for an organisation they are not in', async () => {
    const m = await login(w.email.AZ_MEMBER);
    const h = { cookie: cookieOf(m), 'x-csrf-token': m.json().csrfToken as string };
    const admin = await r.app.inject({ method: 'POST', url: '/api/tokens', headers: h, payload: { name: 'x', scopes: ['admin'] } });
    expect(admin.json().error.details.path).toBe('body.scopes');
    const other = await r.app.inject({ method: 'POST', url: '/api/tokens', headers: h, payload: { name: 'x', scopes: ['read'], orgId: w.org.STATE_GA } });
    expect(other.json().error.details.path).toBe('body.orgId');
  });
});

describe('invitations and password reset by email (real SMTP)', () => {
  test('an org admin invites a person; the emailed link sets a password and signs them in', async () => {
    const res = await w.as('MARICOPA_ADMIN').post('/api/users/invite', { email: 'poll.worker@maricopa.test', name: 'Poll Worker', orgId: w.org.COUNTY_MARICOPA, role: 'member' });
    expect(res.statusCode).toBe(201);
    const mail = await waitFor(() => smtp.inbox.find((m) => m.to.includes('poll.worker@maricopa.test')), 'the invitation email');
    const link = /https?:\/\/\S+accept-invite\?token=([A-Za-z0-9_-]+)/.exec(decodeQp(mail.raw));
    expect(link).not.toBeNull();
    const short = await r.app.inject({ method: 'POST', url: '/api/auth/accept-invite', payload: { token: link![1], password: 'short' } });
    expect(short.json().error.details.path).toBe('body.password');
    const accept = await r.app.inject({ method: 'POST', url: '/api/auth/accept-invite', payload: { token: link![1], password: 'a long enough passphrase' } });
    expect(accept.statusCode).toBe(200);
    expect(accept.json().state).toBe('signed_in');
    const me = await r.app.inject({ url: '/api/auth/me', headers: { cookie: cookieOf(accept) } });
    expect(me.json().memberships).toEqual([expect.objectContaining({ orgId: w.org.COUNTY_MARICOPA, role: 'member' })]);
    const reuse = await r.app.inject({ method: 'POST', url: '/api/auth/accept-invite', payload: { token: link![1], password: 'a long enough passphrase' } });
    expect(reuse.json().error.code).toBe('AUTH_LINK_INVALID');
  });

  test('another organisation’s admin and plain members cannot invite into it', async () => {
    expect((await w.as('MARICOPA_ADMIN').post('/api/users/invite', { email: 'x@x.test', name: 'X', orgId: w.org.COUNTY_FULTON, role: 'member' })).statusCode).toBe(403);
    expect((await w.as('AZ_MEMBER').post('/api/users/invite', { email: 'x@x.test', name: 'X', orgId: w.org.STATE_AZ, role: 'member' })).statusCode).toBe(403);
  });

  test('password reset: same answer for unknown addresses; the link works once and ends sessions', async () => {
    const unknown = await r.app.inject({ method: 'POST', url: '/api/auth/password-reset', payload: { email: 'nobody@nowhere.test' } });
    expect(unknown.statusCode).toBe(202);
    const before = await login(w.email.FULTON_MEMBER);
    const res = await r.app.inject({ method: 'POST', url: '/api/auth/password-reset', payload: { email: w.email.FULTON_MEMBER } });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual(unknown.json());
    const mail = await waitFor(() => smtp.inbox.find((m) => m.to.includes(w.email.FULTON_MEMBER)), 'the reset email');
    const token = /reset-password\?token=([A-Za-z0-9_-]+)/.exec(decodeQp(mail.raw))![1]!;
    const ok = await r.app.inject({ method: 'POST', url: '/api/auth/password-reset/confirm', payload: { token, password: 'brand new passphrase' } });
    expect(ok.statusCode).toBe(204);
    expect((await r.app.inject({ url: '/api/auth/me', headers: { cookie: cookieOf(before) } })).statusCode).toBe(401);
    expect((await login(w.email.FULTON_MEMBER, 'brand new passphrase')).statusCode).toBe(200);
    expect((await r.app.inject({ method: 'POST', url: '/api/auth/password-reset/confirm', payload: { token, password: 'another passphrase!' } })).statusCode).toBe(400);
  });
});

describe('administration', () => {
  test('the platform admin resets MFA and disables accounts; nobody else can', async () => {
    const target = (await sql<{ id: string }>`SELECT id FROM users WHERE email = 'mfa.analyst@personas.test'`.execute(r.core.database.db)).rows[0]!.id;
    expect((await w.as('HUB_ADMIN').post(`/api/users/${target}/reset-mfa`)).statusCode).toBe(403);
    expect((await w.as('PLATFORM_ADMIN').post(`/api/users/${target}/reset-mfa`)).statusCode).toBe(204);
    expect((await login('mfa.analyst@personas.test')).json().state).toBe('mfa_enrolment_required');
    expect((await w.as('PLATFORM_ADMIN').post(`/api/users/${w.user.LAW_MEMBER}/disable`, { disabled: true })).statusCode).toBe(204);
    expect((await login(w.email.LAW_MEMBER)).statusCode).toBe(401);
    expect((await w.as('LAW_MEMBER').get('/api/organisations')).statusCode).toBe(401);
  });

  test('an org admin lists the people of their organisation only', async () => {
    const list = (await w.as('MARICOPA_ADMIN').get('/api/users?pageSize=200')).json();
    expect(list.items.every((u: { memberships: { orgId: string }[] }) => u.memberships.some((m) => m.orgId === w.org.COUNTY_MARICOPA))).toBe(true);
    expect((await w.as('AZ_MEMBER').get('/api/users')).statusCode).toBe(403);
  });
});
