import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';

/**
 * A content-addressed file store: a file's name is its SHA-256, so the same screenshot uploaded to
 * two incidents is stored once and a stored file cannot be changed under its name.
 * Uploads are staged first (streamed to a temporary object while hashed and counted), then
 * committed under their digest or discarded (refused content never reaches the store).
 *
 * LocalFileStore keeps files under `<DATA_DIR>/files/<sha256[0:2]>/<sha256>`. An S3-compatible
 * backend implements the same interface: stage = multipart upload to `tmp/<uuid>`, commit =
 * CopyObject to `<prefix>/<sha256>` (If-None-Match: *) then DeleteObject, open = GetObject stream.
 */
export interface StagedFile {
  sha256: string;
  size: number;
  /** The first bytes (content sniffing). */
  head: Buffer;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

export interface FileStore {
  /** Streams `source` into a staging area; rejects with FileTooLargeError past `maxBytes`. */
  stage(source: Readable, opts: { maxBytes: number; headBytes?: number }): Promise<StagedFile>;
  /** A committed file's bytes. */
  open(sha256: string): Promise<Readable>;
  /** At most `maxBytes` of a committed file (for text extraction). */
  readPrefix(sha256: string, maxBytes: number): Promise<Buffer>;
  exists(sha256: string): Promise<boolean>;
}

export class FileTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`File exceeds ${maxBytes} bytes`);
    this.name = 'FileTooLargeError';
  }
}

const SHA256 = /^[0-9a-f]{64}$/;

export class LocalFileStore implements FileStore {
  constructor(private readonly root: string) {}

  pathOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error('not a sha256 digest');
    return path.join(this.root, sha256.slice(0, 2), sha256);
  }

  async stage(source: Readable, opts: { maxBytes: number; headBytes?: number }): Promise<StagedFile> {
    const tmpDir = path.join(this.root, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmp = path.join(tmpDir, randomUUID());
    const hash = createHash('sha256');
    const headMax = opts.headBytes ?? 8192;
    const headParts: Buffer[] = [];
    let headLen = 0;
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > opts.maxBytes) return done(new FileTooLargeError(opts.maxBytes));
        hash.update(chunk);
        if (headLen < headMax) {
          const part = chunk.subarray(0, headMax - headLen);
          headParts.push(Buffer.from(part));
          headLen += part.length;
        }
        done(null, chunk);
      },
    });
    try {
      await pipeline(source, meter, createWriteStream(tmp, { flags: 'wx' }));
    } catch (e) {
      await rm(tmp, { force: true });
      // Drain what the client still sends so the reply can be written.
      source.resume();
      throw e;
    }
    const sha256 = hash.digest('hex');
    const final = this.pathOf(sha256);
    return {
      sha256,
      size,
      head: Buffer.concat(headParts),
      commit: async () => {
        await mkdir(path.dirname(final), { recursive: true });
        // Same digest = same bytes: keep the existing file.
        if (await this.exists(sha256)) await rm(tmp, { force: true });
        else await rename(tmp, final);
      },
      discard: () => rm(tmp, { force: true }),
    };
  }

  async open(sha256: string): Promise<Readable> {
    const p = this.pathOf(sha256);
    await stat(p);
    return createReadStream(p);
  }

  async readPrefix(sha256: string, maxBytes: number): Promise<Buffer> {
    const fh = await open(this.pathOf(sha256), 'r');
    try {
      const buf = Buffer.alloc(maxBytes);
      const { bytesRead } = await fh.read(buf, 0, maxBytes, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }

  async exists(sha256: string): Promise<boolean> {
    try {
      await stat(this.pathOf(sha256));
      return true;
    } catch {
      return false;
    }
  }
}
