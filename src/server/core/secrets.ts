import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.ts';

/**
 * Secrets at rest (credentials Rampart must send to others, such as a TAXII upstream's password):
 * AES-256-GCM (node:crypto), a fresh 96-bit IV per value, the 128-bit tag checked on every read.
 * A stored value is one string `v1:<key id>:<iv>:<ciphertext>:<tag>` (base64url parts); the key id is
 * the first 8 bytes of SHA-256 of the key (hex), so a value names the key that can open it and a node
 * configured with another key says so instead of failing obscurely. The caller passes associated data
 * (the table, column and row id), so a value copied onto another row does not decrypt.
 *
 * Keys: SECRETS_KEY encrypts (and decrypts); SECRETS_DECRYPT_KEYS only decrypt (the previous keys while
 * rotating). Without SECRETS_KEY a key is generated once into DATA_DIR/secrets.key (mode 0600).
 */
export const KEY_BYTES = 32;
const VERSION = 'v1';
const KEY_FILE = 'secrets.key';

export class SecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretError';
  }
}

export const keyIdOf = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 16);

/** A 32-byte key from its base64 (or base64url) text; anything else is an error naming `name`. */
export function parseKey(text: string, name: string): Buffer {
  const t = text.trim();
  const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(t) ? Buffer.from(t, 'base64') : Buffer.alloc(0);
  if (key.length !== KEY_BYTES) throw new SecretError(`${name} must be ${KEY_BYTES} bytes in base64 (e.g. \`openssl rand -base64 32\`)`);
  return key;
}

export class SecretBox {
  readonly keyId: string;
  private readonly keys = new Map<string, Buffer>();
  private readonly current: Buffer;

  constructor(current: Buffer, decryptOnly: Buffer[] = []) {
    if (current.length !== KEY_BYTES) throw new SecretError(`a secrets key is ${KEY_BYTES} bytes`);
    this.current = current;
    this.keyId = keyIdOf(current);
    this.keys.set(this.keyId, current);
    for (const k of decryptOnly) this.keys.set(keyIdOf(k), k);
  }

  /** The key ids this box can decrypt (the current one first). */
  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  encrypt(plaintext: string, aad: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.current, iv);
    c.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
    return [VERSION, this.keyId, iv.toString('base64url'), body.toString('base64url'), c.getAuthTag().toString('base64url')].join(':');
  }

  /** The key id a stored value was encrypted under (null: not a value of this format). */
  static keyIdOf(stored: string): string | null {
    const parts = stored.split(':');
    return parts.length === 5 && parts[0] === VERSION ? parts[1]! : null;
  }

  decrypt(stored: string, aad: string): string {
    const parts = stored.split(':');
    if (parts.length !== 5 || parts[0] !== VERSION) throw new SecretError('the stored secret is not an encrypted value (format v1:key:iv:data:tag)');
    const [, keyId, iv, body, tag] = parts as [string, string, string, string, string];
    const key = this.keys.get(keyId);
    if (!key) {
      throw new SecretError(
        `the stored secret was encrypted with key ${keyId}, which this node does not have (its SECRETS_KEY is ${this.keyId}): ` +
          'configure the same SECRETS_KEY on every node, or add the old key to SECRETS_DECRYPT_KEYS',
      );
    }
    try {
      const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      d.setAAD(Buffer.from(aad, 'utf8'));
      d.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([d.update(Buffer.from(body, 'base64url')), d.final()]).toString('utf8');
    } catch {
      throw new SecretError(`the stored secret does not decrypt with key ${keyId} (altered, or copied from another record)`);
    }
  }

  /** Whether a stored value should be re-encrypted under the current key. */
  needsRotation(stored: string): boolean {
    return SecretBox.keyIdOf(stored) !== this.keyId;
  }
}

/**
 * Re-encrypts stored values under the box's current key (after a key change), one row at a time:
 * `write` stores the new value; a value no configured key opens is left as it is, reported to `failed`
 * and counted. Other errors are thrown.
 */
export async function reencryptAll<R extends { id: string }>(
  box: SecretBox,
  rows: R[],
  o: { stored: (r: R) => string; aad: (r: R) => string; write: (r: R, enc: string) => Promise<void>; failed: (r: R, e: SecretError) => void },
): Promise<{ reencrypted: number; failed: number }> {
  let reencrypted = 0;
  let failed = 0;
  for (const r of rows) {
    let plain: string;
    try {
      plain = box.decrypt(o.stored(r), o.aad(r));
    } catch (e) {
      if (!(e instanceof SecretError)) throw e;
      failed++;
      o.failed(r, e);
      continue;
    }
    await o.write(r, box.encrypt(plain, o.aad(r)));
    reencrypted++;
  }
  return { reencrypted, failed };
}

/**
 * The node's SecretBox from the configuration: SECRETS_KEY, else DATA_DIR/secrets.key (generated once,
 * 0600). `generated` says the key came from the data directory (fine for PGlite, one node; with
 * PostgreSQL and several nodes every node needs the same SECRETS_KEY).
 */
export function loadSecretBox(config: Pick<Config, 'SECRETS_KEY' | 'SECRETS_DECRYPT_KEYS' | 'dataDir'>): { box: SecretBox; keyFile: string | null } {
  const old = (config.SECRETS_DECRYPT_KEYS ?? '')
    .split(',')
    .filter((s) => s.trim())
    .map((s, i) => parseKey(s, `SECRETS_DECRYPT_KEYS[${i}]`));
  if (config.SECRETS_KEY) return { box: new SecretBox(parseKey(config.SECRETS_KEY, 'SECRETS_KEY'), old), keyFile: null };
  const file = path.join(config.dataDir, KEY_FILE);
  mkdirSync(config.dataDir, { recursive: true });
  try {
    // 'wx': only the first process creates it; a concurrent one reads the winner's key below.
    writeFileSync(file, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return { box: new SecretBox(parseKey(readFileSync(file, 'utf8'), file), old), keyFile: file };
}
