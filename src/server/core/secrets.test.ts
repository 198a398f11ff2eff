import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { loadConfig, type ConfigError } from './config.ts';
import { keyIdOf, loadSecretBox, SecretBox, SecretError } from './secrets.ts';

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('SecretBox (AES-256-GCM)', () => {
  test('round trip; the stored value names its key and never holds the plaintext', () => {
    const box = new SecretBox(k1);
    const a = box.encrypt('s3cret-token', 'row:1');
    const b = box.encrypt('s3cret-token', 'row:1');
    expect(a).not.toContain('s3cret');
    expect(a).not.toBe(b); // a fresh IV each time
    expect(a.split(':').slice(0, 2)).toEqual(['v1', keyIdOf(k1)]);
    expect(SecretBox.keyIdOf(a)).toBe(box.keyId);
    expect(box.decrypt(a, 'row:1')).toBe('s3cret-token');
    expect(box.decrypt(box.encrypt('', 'row:1'), 'row:1')).toBe('');
  });

  test('a wrong key, another row, an altered value: clear errors', () => {
    const stored = new SecretBox(k1).encrypt('s3cret', 'row:1');
    expect(() => new SecretBox(k2).decrypt(stored, 'row:1')).toThrow(SecretError);
    expect(() => new SecretBox(k2).decrypt(stored, 'row:1')).toThrow(new RegExp(`encrypted with key ${keyIdOf(k1)}, which this node does not have \\(its SECRETS_KEY is ${keyIdOf(k2)}\\)`));
    expect(() => new SecretBox(k1).decrypt(stored, 'row:2')).toThrow(/does not decrypt with key .*copied from another record/);
    const parts = stored.split(':');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    parts[3] = body.toString('base64url');
    expect(() => new SecretBox(k1).decrypt(parts.join(':'), 'row:1')).toThrow(/altered/);
    expect(() => new SecretBox(k1).decrypt('plain text', 'row:1')).toThrow(/not an encrypted value/);
  });

  test('rotation: the new key encrypts, old keys still decrypt', () => {
    const old = new SecretBox(k1).encrypt('s3cret', 'r');
    const box = new SecretBox(k2, [k1]);
    expect(box.keyIds).toEqual([keyIdOf(k2), keyIdOf(k1)]);
    expect(box.needsRotation(old)).toBe(true);
    expect(box.decrypt(old, 'r')).toBe('s3cret');
    const again = box.encrypt('s3cret', 'r');
    expect(box.needsRotation(again)).toBe(false);
    expect(() => new SecretBox(k1).decrypt(again, 'r')).toThrow(SecretError);
  });
});

describe('keys from the configuration', () => {
  const dataDir = () => {
    const d = mkdtempSync(path.join(tmpdir(), 'rampart-secrets-'));
    dirs.push(d);
    return d;
  };

  test('without SECRETS_KEY a key is generated once into the data directory, mode 0600, and kept', () => {
    const dir = dataDir();
    const a = loadSecretBox({ dataDir: dir });
    expect(a.keyFile).toBe(path.join(dir, 'secrets.key'));
    expect(statSync(a.keyFile!).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(a.keyFile!, 'utf8').trim(), 'base64')).toHaveLength(32);
    const b = loadSecretBox({ dataDir: dir });
    expect(b.box.keyId).toBe(a.box.keyId);
    expect(b.box.decrypt(a.box.encrypt('x', 'r'), 'r')).toBe('x');
  });

  test('SECRETS_KEY and SECRETS_DECRYPT_KEYS are used; bad values stop boot naming the key', () => {
    const dir = dataDir();
    const c = loadConfig({ SECRETS_KEY: k2.toString('base64'), SECRETS_DECRYPT_KEYS: ` ${k1.toString('base64')} `, DATA_DIR: dir });
    const { box, keyFile } = loadSecretBox(c);
    expect(keyFile).toBeNull();
    expect(box.keyIds).toEqual([keyIdOf(k2), keyIdOf(k1)]);
    const bad = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (e) {
        return (e as ConfigError).problems.map((p) => p.key);
      }
      return [];
    };
    expect(bad({ SECRETS_KEY: randomBytes(16).toString('base64') })).toEqual(['SECRETS_KEY']);
    expect(bad({ SECRETS_KEY: 'not base64 at all!' })).toEqual(['SECRETS_KEY']);
    expect(bad({ SECRETS_DECRYPT_KEYS: `${k1.toString('base64')},short` })).toEqual(['SECRETS_DECRYPT_KEYS']);
    // production on PostgreSQL: every node needs the same key, so it must be configured
    expect(bad({ RAMPART_ENV: 'production', DATABASE_URL: 'postgres://x/y' })).toEqual(['SECRETS_KEY']);
    expect(bad({ RAMPART_ENV: 'production', DATABASE_URL: 'postgres://x/y', SECRETS_KEY: k1.toString('base64') })).toEqual([]);
    expect(bad({ RAMPART_ENV: 'production' })).toEqual([]);
  });
});
