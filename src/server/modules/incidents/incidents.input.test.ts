import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestRampart, createWorld, type TestRampart, type World } from '../../test/harness.ts';
import { MAX_ATTACHMENT_BYTES } from './incidents.service.ts';
import { classify } from './sniff.ts';

/** Bad input: oversized and disguised attachments, invalid transitions, hostile text everywhere. */
let r: TestRampart;
let w: World;
let id = '';

const HOSTILE = `<script>alert(1)</script><img src=x onerror=alert(2)> '; DROP TABLE incidents; -- {{7*7}} \${process.exit()} ) Tj ET /JavaScript << >> \u202e\u0007x 𝕏 "quotes"`;
// A minimal PE header ("MZ" … "PE\0\0").
const EXE = (() => {
  const b = Buffer.alloc(512);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\0\0', 0x80, 'latin1');
  b.writeUInt16LE(0x014c, 0x84);
  return b;
})();
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6300010000050001a5f645400000000049454e44ae426082', 'hex');
const ZIP = Buffer.from('504b0506000000000000000000000000000000000000', 'hex');

beforeAll(async () => {
  r = await createTestRampart();
  w = await createWorld(r);
  const res = await w.as('MARICOPA_MEMBER').post('/api/incidents', {
    title: HOSTILE, whatHappened: HOSTILE, affectedSystems: HOSTILE, detectedAt: '2024-11-05T10:00:00Z', functionalImpact: 'no_impact', informationImpact: 'no_impact',
    recoverability: 'regular', attackVector: 'unknown', electionSystems: ['physical'], electionPhase: 'election_day',
  });
  expect(res.statusCode, res.body).toBe(201);
  id = res.json().id;
  expect((await w.as('MARICOPA_MEMBER').post(`/api/incidents/${id}/submit`)).statusCode).toBe(200);
}, 120_000);
afterAll(async () => r?.close());

const upload = (name: string, body: Buffer | string, type = 'application/octet-stream') =>
  w.as('MARICOPA_MEMBER').post(`/api/incidents/${id}/attachments?filename=${encodeURIComponent(name)}`, body, { 'content-type': type });

describe('attachments', () => {
  test('an .exe renamed .png is detected from its bytes and refused, and nothing is stored', async () => {
    const res = await upload('screenshot.png', EXE, 'image/png');
    expect(res.statusCode).toBe(415);
    expect(res.json().error).toMatchObject({ code: 'INCIDENT_ATTACHMENT_REFUSED', details: { path: 'body', detectedType: 'application/x-msdownload' } });
    expect(res.json().error.message).toContain('executable');
    expect((await w.as('MARICOPA_MEMBER').get(`/api/incidents/${id}/attachments`)).json().items).toEqual([]);
    const audit = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_log WHERE action = 'incidents.attachment.refused' AND subject_id = ${id}`.execute(r.core.database.db);
    expect(audit.rows[0]!.n).toBe(1);
  });

  test('an honest .exe is refused too', async () => {
    expect((await upload('tool.exe', EXE)).statusCode).toBe(415);
  });

  test('over the size limit: 413 naming the limit, nothing kept', async () => {
    const res = await upload('big.log', Buffer.alloc(MAX_ATTACHMENT_BYTES + 1, 0x61), 'text/plain');
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatchObject({ code: 'INCIDENT_ATTACHMENT_TOO_LARGE', details: { maxBytes: MAX_ATTACHMENT_BYTES } });
    expect((await w.as('MARICOPA_MEMBER').get(`/api/incidents/${id}/attachments`)).json().items).toEqual([]);
  });

  test('a real PNG is served as image/png, as a download, with nosniff', async () => {
    const res = await upload('screen.png', PNG, 'image/png');
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ detectedType: 'image/png', servedType: 'image/png', flagged: false });
    const dl = await w.as('HUB_ANALYST').get(`/api/incidents/${id}/attachments/${res.json().id}/content`);
    expect(dl.headers['content-type']).toBe('image/png');
    expect(dl.headers['content-disposition']).toMatch(/^attachment;/);
    expect(dl.headers['x-content-type-options']).toBe('nosniff');
    expect(dl.rawPayload.equals(PNG)).toBe(true);
  });

  test('a ZIP named .png is kept but flagged and served as opaque bytes', async () => {
    const res = await upload('photo.png', ZIP, 'image/png');
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ flagged: true, servedType: 'application/octet-stream', detectedType: 'application/zip' });
    expect(res.json().flagReason).toContain('.png');
  });

  test('HTML and SVG are never served as a page', async () => {
    for (const [name, body] of [['page.html', '<html><script>alert(1)</script></html>'], ['img.svg', '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>']] as const) {
      const res = await upload(name, body, 'text/html');
      expect(res.statusCode, res.body).toBe(201);
      const dl = await w.as('HUB_ANALYST').get(`/api/incidents/${id}/attachments/${res.json().id}/content`);
      expect(dl.headers['content-type']).not.toMatch(/html|svg|xml/);
      expect(dl.headers['content-disposition']).toMatch(/^attachment;/);
      expect(dl.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  test('a hostile filename is cleaned: no path, no quotes, no header injection', async () => {
    const res = await upload('../../etc/"pass\r\nX-Evil: 1".txt', 'hello', 'text/plain');
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().filename).toBe('pass\r\nX-Evil: 1.txt'.replace(/[\r\n"]/g, ''));
    const dl = await w.as('HUB_ANALYST').get(`/api/incidents/${id}/attachments/${res.json().id}/content`);
    expect(dl.headers['x-evil']).toBeUndefined();
  });

  test('the same bytes are stored once (content addressed)', async () => {
    const a = await upload('a.txt', 'same bytes 203.0.113.5', 'text/plain');
    const b = await upload('b.txt', 'same bytes 203.0.113.5', 'text/plain');
    expect(a.json().sha256).toBe(b.json().sha256);
    expect(a.json().id).not.toBe(b.json().id);
  });

  test('only the reporting organisation and responders attach; others get 404 or 403', async () => {
    expect((await w.as('FULTON_MEMBER').post(`/api/incidents/${id}/attachments?filename=x.txt`, 'x', { 'content-type': 'text/plain' })).statusCode).toBe(404);
  });

  test('classifier: script files are flagged, text is served as text', async () => {
    expect(await classify('run.ps1', Buffer.from('Invoke-WebRequest http://x'))).toMatchObject({ ok: true, flagged: true, servedType: 'application/octet-stream' });
    expect(await classify('mail.eml', Buffer.from('From: a@b.example\r\nSubject: hi\r\n\r\nbody'))).toMatchObject({ ok: true, flagged: false, servedType: 'message/rfc822', isText: true });
    expect(await classify('x.png', Buffer.from('just text'))).toMatchObject({ ok: true, flagged: true });
  });
});

describe('workflow and fields', () => {
  test('invalid transitions answer 409 naming from and to', async () => {
    const hub = w.as('HUB_ANALYST');
    for (const to of ['in_progress', 'contained', 'resolved', 'closed', 'new', 'draft'] as const) {
      const res = await hub.post(`/api/incidents/${id}/status`, { status: to });
      expect(res.statusCode, to).toBe(409);
      expect(res.json().error.details).toMatchObject({ from: 'new', to });
    }
    expect((await hub.post(`/api/incidents/${id}/status`, { status: 'bogus' })).json().error.details.path).toBe('body.status');
    // Submitting twice is a transition too.
    expect((await w.as('MARICOPA_MEMBER').post(`/api/incidents/${id}/submit`)).statusCode).toBe(409);
  });

  test('bad fields are named', async () => {
    const c = w.as('MARICOPA_MEMBER');
    expect((await c.post('/api/incidents', { electionPhase: 'halftime' })).json().error.details.path).toBe('body.electionPhase');
    expect((await c.post('/api/incidents', { detectedAt: 'yesterday' })).json().error.details.path).toBe('body.detectedAt');
    expect((await c.post('/api/incidents', { surprise: 1 })).json().error.details.path).toBe('body.surprise');
    expect((await c.post('/api/incidents', { title: 'x'.repeat(301) })).json().error.details.path).toBe('body.title');
    // PostgreSQL text cannot hold NUL: refused, naming the field (never a 500).
    const nul = await c.post('/api/incidents', { whatHappened: 'a\u0000b' });
    expect(nul.statusCode).toBe(400);
    expect(nul.json().error.details.path).toBe('body.whatHappened');
    expect((await w.as('HUB_ANALYST').post(`/api/incidents/${id}/notes`, { body: '\u0000' })).json().error.details.path).toBe('body.body');
    expect((await w.as('HUB_ANALYST').post(`/api/incidents/${id}/triage`, { priority: 'apocalyptic', rationale: 'x' })).json().error.details.path).toBe('body.priority');
    expect((await w.as('HUB_ANALYST').post(`/api/incidents/${id}/triage`, { priority: 'low', rationale: '' })).json().error.details.path).toBe('body.rationale');
  });

  test('a member of another organisation cannot change what it may not see (404), a reader without rights gets 403', async () => {
    expect((await w.as('GA_ANALYST').post(`/api/incidents/${id}/status`, { status: 'triaged' })).statusCode).toBe(404);
    expect((await w.as('MARICOPA_MEMBER').post(`/api/incidents/${id}/assign`, { userId: null })).statusCode).toBe(403);
  });
});

describe('hostile text', () => {
  test('is stored and returned exactly, as data', async () => {
    const hub = w.as('HUB_ANALYST');
    const got = (await hub.get(`/api/incidents/${id}`)).json();
    expect(got.title).toBe(HOSTILE);
    expect(got.whatHappened).toBe(HOSTILE);
    expect(got.affectedSystems).toBe(HOSTILE);
    const note = await hub.post(`/api/incidents/${id}/notes`, { body: HOSTILE });
    expect(note.json().body).toBe(HOSTILE);
    const triage = await hub.post(`/api/incidents/${id}/triage`, { priority: 'low', rationale: HOSTILE });
    expect(triage.json().priorityRationale).toBe(HOSTILE);
    const task = await hub.post(`/api/incidents/${id}/tasks`, { title: HOSTILE, detail: HOSTILE });
    expect(task.json().title).toBe(HOSTILE);
    // The table still exists and search treats the text as a literal.
    expect((await hub.get(`/api/incidents?q=${encodeURIComponent("'; DROP TABLE")}`)).json().total).toBe(1);
    expect((await hub.get(`/api/incidents?q=${encodeURIComponent('%')}`)).json().total).toBe(0);
    // JSON responses are JSON, never HTML.
    expect((await hub.get(`/api/incidents/${id}`)).headers['content-type']).toMatch(/^application\/json/);
  });

  test('the PDF prints it as text', async () => {
    const pdf = await w.as('HUB_ANALYST').get(`/api/incidents/${id}/report.pdf`);
    expect(pdf.statusCode).toBe(200);
    const dir = mkdtempSync(path.join(tmpdir(), 'incident-pdf-'));
    const file = path.join(dir, 'r.pdf');
    writeFileSync(file, pdf.rawPayload);
    const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
    expect(text).toContain('<script>alert(1)</script>');
    expect(text).toContain('DROP TABLE incidents');
    // No active content: no JavaScript or launch actions in the file.
    const raw = pdf.rawPayload.toString('latin1');
    expect(raw).not.toMatch(/\/(JS|Launch|OpenAction|AA)\b/);
    if (process.env.INCIDENT_PDF_OUT) writeFileSync(process.env.INCIDENT_PDF_OUT, pdf.rawPayload);
  });

  test('STIX carries it as string values', async () => {
    const bundle = (await w.as('HUB_ANALYST').get(`/api/incidents/${id}/stix`)).json();
    expect(bundle.objects[0].name).toBe(HOSTILE);
  });
});

describe('tasks: add and edit', () => {
  test('each bad field is a 400 naming it; nothing is written', async () => {
    const hub = w.as('HUB_ANALYST');
    const before = (await hub.get(`/api/incidents/${id}/tasks`)).json().items.length;
    const cases: [Record<string, unknown>, string][] = [
      [{ title: '' }, 'body.title'],
      [{ title: '   ' }, 'body.title'],
      [{ title: 'x'.repeat(501) }, 'body.title'],
      [{ title: 'ok', dueAt: 'tomorrow' }, 'body.dueAt'],
      [{ title: 'ok', ownerUserId: 'nobody' }, 'body.ownerUserId'],
      [{ title: 'ok', ownerUserId: w.user.FULTON_MEMBER }, 'body.ownerUserId'],
      [{ title: 'ok', detail: 'a\u0000b' }, 'body.detail'],
      [{ title: 'ok', done: true }, 'body.done'],
    ];
    for (const [body, path] of cases) {
      const res = await hub.post(`/api/incidents/${id}/tasks`, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(res.json().error.details), JSON.stringify(body)).toContain(path);
    }
    expect((await hub.get(`/api/incidents/${id}/tasks`)).json().items).toHaveLength(before);
  });

  test('an edit changes only what it names; bad fields are named; others cannot edit', async () => {
    const hub = w.as('HUB_ANALYST');
    const created = await hub.post(`/api/incidents/${id}/tasks`, { title: 'Collect the mail headers', detail: 'From the three mailboxes', dueAt: '2030-01-02T09:30:00Z' });
    expect(created.statusCode, created.body).toBe(201);
    const taskId = created.json().id as string;
    const edited = await hub.patch(`/api/incidents/${id}/tasks/${taskId}`, { title: 'Collect the full mail headers', ownerUserId: w.user.MARICOPA_ADMIN });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json()).toMatchObject({ title: 'Collect the full mail headers', detail: 'From the three mailboxes', ownerUserId: w.user.MARICOPA_ADMIN, dueAt: '2030-01-02T09:30:00.000Z', doneAt: null });
    for (const [body, path] of [[{ title: '' }, 'body.title'], [{ dueAt: '2030-13-01T00:00:00Z' }, 'body.dueAt'], [{ ownerUserId: w.user.AZ_ANALYST }, 'body.ownerUserId'], [{ extra: 1 }, 'extra']] as const) {
      const res = await hub.patch(`/api/incidents/${id}/tasks/${taskId}`, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(res.json().error.details)).toContain(path);
    }
    // The reporting county's plain member reads the tasks but does not work them; another county does not see the incident at all.
    expect((await w.as('MARICOPA_MEMBER').patch(`/api/incidents/${id}/tasks/${taskId}`, { title: 'mine' })).statusCode).toBe(403);
    expect((await w.as('MARICOPA_MEMBER').post(`/api/incidents/${id}/tasks`, { title: 'mine' })).statusCode).toBe(403);
    expect((await w.as('FULTON_MEMBER').patch(`/api/incidents/${id}/tasks/${taskId}`, { title: 'theirs' })).statusCode).toBe(404);
    expect((await w.as('FULTON_MEMBER').post(`/api/incidents/${id}/tasks`, { title: 'theirs' })).statusCode).toBe(404);
    expect((await hub.patch(`/api/incidents/${id}/tasks/00000000-0000-4000-8000-000000000000`, { title: 'ghost' })).statusCode).toBe(404);
    const after = (await hub.get(`/api/incidents/${id}/tasks`)).json().items.find((t: { id: string }) => t.id === taskId);
    expect(after.title).toBe('Collect the full mail headers');
  });
});
