import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../core/config.ts';
import { createTestRampart, createWorld } from '../../test/harness.ts';
import { FileMissingError, FileTooLargeError, LocalFileStore, S3FileStore, type FileStore } from './files.ts';
import { fileStoreOf } from './index.ts';

/**
 * One contract, two stores: the content-addressed directory and an S3-compatible bucket, the latter
 * against a real S3-compatible server (s3rver) started here on 127.0.0.1.
 */
const BUCKET = 'rampart-files';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }; // s3rver's own account (it checks the key id; not SigV4 signatures)
const work = mkdtempSync(path.join(tmpdir(), 'rampart-files-'));
let s3rver: S3rver;
let endpoint = '';
const s3Stores: S3FileStore[] = [];

beforeAll(async () => {
  s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: path.join(work, 's3rver'), configureBuckets: [{ name: BUCKET }] });
  const { port } = await s3rver.run();
  endpoint = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  for (const s of s3Stores) s.close();
  await s3rver?.close();
  await rm(work, { recursive: true, force: true });
});

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const from = (...chunks: (Buffer | string)[]) => Readable.from(chunks.map((c) => Buffer.from(c)));
function s3Store(prefix: string, credentials = CREDENTIALS): S3FileStore {
  const s = new S3FileStore({ bucket: BUCKET, prefix, region: 'us-east-1', endpoint, forcePathStyle: true, credentials, stagingDir: path.join(work, `s3-staging-${prefix.replace(/\W/g, '') || 'root'}`) });
  s3Stores.push(s);
  return s;
}

let n = 0;
const stores: [string, () => { store: FileStore; staging: string }][] = [
  ['local directory', () => {
    const root = path.join(work, `local-${++n}`);
    return { store: new LocalFileStore(root), staging: path.join(root, 'tmp') };
  }],
  ['S3-compatible bucket', () => {
    const prefix = `contract-${++n}/`;
    const store = s3Store(prefix);
    return { store, staging: path.join(work, `s3-staging-contract${n}`) };
  }],
];

describe.each(stores)('FileStore contract: %s', (_name, make) => {
  let store: FileStore;
  let staging: string;
  beforeAll(() => ({ store, staging } = make()));
  const leftInStaging = () => (existsSync(staging) ? readdirSync(staging) : []);

  test('put: a staged upload is hashed, counted and, once committed, read back by its digest', async () => {
    const bytes = Buffer.concat([Buffer.from('2024-11-05 10:00 login from 203.0.113.7\n'), Buffer.alloc(20_000, 0x41)]);
    const staged = await store.stage(from(bytes.subarray(0, 100), bytes.subarray(100)), { maxBytes: 1 << 20, headBytes: 16 });
    expect(staged).toMatchObject({ sha256: sha(bytes), size: bytes.length });
    expect(staged.head.toString()).toBe('2024-11-05 10:00');
    expect(await store.exists(staged.sha256)).toBe(false);
    await staged.commit();
    expect(await store.exists(staged.sha256)).toBe(true);
    expect((await buffer(await store.open(staged.sha256))).equals(bytes)).toBe(true);
    expect(leftInStaging()).toEqual([]);
  });

  test('get: a prefix of a file, or all of a shorter one', async () => {
    const staged = await store.stage(from('0123456789'), { maxBytes: 100 });
    await staged.commit();
    expect((await store.readPrefix(staged.sha256, 4)).toString()).toBe('0123');
    expect((await store.readPrefix(staged.sha256, 1000)).toString()).toBe('0123456789');
  });

  test('idempotent put: the same bytes twice are one file, unchanged', async () => {
    const a = await store.stage(from('same bytes'), { maxBytes: 100 });
    const b = await store.stage(from('same ', 'bytes'), { maxBytes: 100 });
    expect(b.sha256).toBe(a.sha256);
    await a.commit();
    await b.commit();
    expect((await buffer(await store.open(a.sha256))).toString()).toBe('same bytes');
    expect(leftInStaging()).toEqual([]);
  });

  test('different bytes, different names', async () => {
    const a = await store.stage(from('one'), { maxBytes: 100 });
    const b = await store.stage(from('two'), { maxBytes: 100 });
    await Promise.all([a.commit(), b.commit()]);
    expect(a.sha256).not.toBe(b.sha256);
    expect((await buffer(await store.open(b.sha256))).toString()).toBe('two');
  });

  test('discard: a refused upload never reaches the store', async () => {
    const staged = await store.stage(from('refused content'), { maxBytes: 100 });
    await staged.discard();
    expect(await store.exists(sha('refused content'))).toBe(false);
    expect(leftInStaging()).toEqual([]);
  });

  test('too large: FileTooLargeError and nothing kept', async () => {
    await expect(store.stage(from('x'.repeat(60), 'y'.repeat(60)), { maxBytes: 100 })).rejects.toBeInstanceOf(FileTooLargeError);
    expect(await store.exists(sha('x'.repeat(60) + 'y'.repeat(60)))).toBe(false);
    expect(leftInStaging()).toEqual([]);
  });

  test('missing object: exists is false, open and readPrefix reject with FileMissingError', async () => {
    const missing = sha('never stored');
    expect(await store.exists(missing)).toBe(false);
    await expect(store.open(missing)).rejects.toBeInstanceOf(FileMissingError);
    await expect(store.readPrefix(missing, 10)).rejects.toBeInstanceOf(FileMissingError);
  });

  test('a name that is not a SHA-256 digest is refused (no path tricks)', async () => {
    await expect(store.open('../../etc/passwd')).rejects.toThrow(/sha256/);
    await expect(store.exists('AB' + sha('x').slice(2))).resolves.toBe(false);
  });
});

describe('S3 file store specifics', () => {
  test('objects are named <prefix><sha[0:2]>/<sha>', async () => {
    const store = s3Store('named/');
    const staged = await store.stage(from('named object'), { maxBytes: 100 });
    await staged.commit();
    const listed = await (await store.client()).send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'named/' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual([`named/${staged.sha256.slice(0, 2)}/${staged.sha256}`]);
  });

  test('a service error is not mistaken for a missing file (unknown access key: 403)', async () => {
    const store = s3Store('named/', { accessKeyId: 'NOT-A-KEY', secretAccessKey: 'S3RVER' });
    await expect(store.exists(sha('named object'))).rejects.toThrow();
    await expect(store.open(sha('named object'))).rejects.not.toBeInstanceOf(FileMissingError);
  });
});

describe('configuration', () => {
  test('FILE_STORE chooses the store; s3 needs a bucket; keys are checked by name', () => {
    expect(fileStoreOf(loadConfig({ DATA_DIR: work }))).toBeInstanceOf(LocalFileStore);
    const s3 = fileStoreOf(loadConfig({ DATA_DIR: work, FILE_STORE: 's3', S3_BUCKET: BUCKET, S3_ENDPOINT: endpoint }));
    expect(s3).toBeInstanceOf(S3FileStore);
    (s3 as S3FileStore).close();
    expect(() => loadConfig({ FILE_STORE: 's3' })).toThrow(/S3_BUCKET: required when FILE_STORE=s3/);
    expect(() => loadConfig({ FILE_STORE: 'ftp' })).toThrow(/FILE_STORE: /);
    expect(() => loadConfig({ FILE_STORE: 's3', S3_BUCKET: 'Not_A_Bucket' })).toThrow(/S3_BUCKET: must be an S3 bucket name/);
    expect(() => loadConfig({ FILE_STORE: 's3', S3_BUCKET: BUCKET, S3_ACCESS_KEY_ID: 'id' })).toThrow(/S3_SECRET_ACCESS_KEY: set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY together/);
    expect(() => loadConfig({ S3_PREFIX: '/abs' })).toThrow(/S3_PREFIX: /);
    expect(() => loadConfig({ S3_ENDPOINT: 'ftp://x' })).toThrow(/S3_ENDPOINT: /);
  });

  test('with FILE_STORE=s3 an incident attachment goes to the bucket and comes back through the API', async () => {
    const r = await createTestRampart({
      config: { FILE_STORE: 's3', S3_ENDPOINT: endpoint, S3_BUCKET: BUCKET, S3_PREFIX: 'rampart/', S3_FORCE_PATH_STYLE: 'true', S3_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, S3_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey },
    });
    try {
      const w = await createWorld(r);
      const county = w.as('MARICOPA_MEMBER');
      const created = await county.post('/api/incidents', { title: 'Phishing wave' });
      expect(created.statusCode, created.body).toBe(201);
      const id = created.json().id as string;
      const log = `Nov 5 10:02 sshd: failed login from 198.51.100.23 (run ${id})\n`;
      const up = await county.post(`/api/incidents/${id}/attachments?filename=auth.log`, log, { 'content-type': 'text/plain' });
      expect(up.statusCode, up.body).toBe(201);
      const { sha256, id: attachmentId } = up.json();
      expect(sha256).toBe(sha(log));
      const s3 = s3Store('');
      const obj = await (await s3.client()).send(new GetObjectCommand({ Bucket: BUCKET, Key: `rampart/${sha256.slice(0, 2)}/${sha256}` }));
      expect(await obj.Body!.transformToString()).toBe(log);
      expect(existsSync(path.join(r.core.config.dataDir, 'files', sha256.slice(0, 2), sha256))).toBe(false);
      const down = await county.get(`/api/incidents/${id}/attachments/${attachmentId}/content`);
      expect(down.statusCode).toBe(200);
      expect(down.body).toBe(log);
      const observables = (await county.get(`/api/incidents/${id}/observables`)).json().items.map((o: { value: string }) => o.value);
      expect(observables).toContain('198.51.100.23');
    } finally {
      await r.close();
    }
  }, 120_000);
});
