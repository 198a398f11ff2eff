import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type * as S3Sdk from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';

/**
 * A content-addressed file store: a file's name is its SHA-256, so the same screenshot uploaded to
 * two incidents is stored once and a stored file cannot be changed under its name.
 * Uploads are staged first (streamed to a temporary local file while hashed and counted), then
 * committed under their digest or discarded (refused content never reaches the store).
 *
 * LocalFileStore keeps files under `<root>/<sha256[0:2]>/<sha256>`; S3FileStore keeps them as
 * objects `<prefix><sha256[0:2]>/<sha256>` in a bucket of any S3-compatible service.
 * Both stage under `<root>/tmp` on local disk.
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
  /** A committed file's bytes; rejects with FileMissingError when there is none. */
  open(sha256: string): Promise<Readable>;
  /** At most `maxBytes` of a committed file (for text extraction); FileMissingError when there is none. */
  readPrefix(sha256: string, maxBytes: number): Promise<Buffer>;
  exists(sha256: string): Promise<boolean>;
}

export class FileTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`File exceeds ${maxBytes} bytes`);
    this.name = 'FileTooLargeError';
  }
}

export class FileMissingError extends Error {
  constructor(readonly sha256: string) {
    super(`No stored file ${sha256}`);
    this.name = 'FileMissingError';
  }
}

const SHA256 = /^[0-9a-f]{64}$/;
/** `ab/ab12…`: the digest, under a folder named by its first two characters. */
function relativeName(sha256: string): string {
  if (!SHA256.test(sha256)) throw new Error('not a sha256 digest');
  return `${sha256.slice(0, 2)}/${sha256}`;
}

/** Streams `source` into a new file under `tmpDir` while hashing and counting it. */
async function stageToFile(tmpDir: string, source: Readable, opts: { maxBytes: number; headBytes?: number }) {
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
  return { tmp, sha256: hash.digest('hex'), size, head: Buffer.concat(headParts) };
}

const isNotFound = (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT';

export class LocalFileStore implements FileStore {
  constructor(private readonly root: string) {}

  pathOf(sha256: string): string {
    return path.join(this.root, relativeName(sha256));
  }

  async stage(source: Readable, opts: { maxBytes: number; headBytes?: number }): Promise<StagedFile> {
    const { tmp, sha256, size, head } = await stageToFile(path.join(this.root, 'tmp'), source, opts);
    const final = this.pathOf(sha256);
    return {
      sha256,
      size,
      head,
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
    try {
      await stat(p);
    } catch (e) {
      throw isNotFound(e) ? new FileMissingError(sha256) : e;
    }
    return createReadStream(p);
  }

  async readPrefix(sha256: string, maxBytes: number): Promise<Buffer> {
    let fh;
    try {
      fh = await open(this.pathOf(sha256), 'r');
    } catch (e) {
      throw isNotFound(e) ? new FileMissingError(sha256) : e;
    }
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

export interface S3FileStoreOptions {
  bucket: string;
  /** Key prefix, '' or ending in '/'. */
  prefix?: string;
  region: string;
  /** An S3-compatible service's URL; unset: AWS S3. */
  endpoint?: string;
  /** `http://host/bucket/key` instead of `http://bucket.host/key` (most self-hosted services). */
  forcePathStyle?: boolean;
  /** Unset: the AWS SDK's default chain (AWS_* variables, shared config, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Local directory for staging uploads before they are sent. */
  stagingDir: string;
}

const s3NotFound = (sdk: typeof S3Sdk, e: unknown) =>
  e instanceof sdk.S3ServiceException && (e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata.httpStatusCode === 404);

/**
 * Files as objects in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, Garage…), through the AWS SDK.
 * An upload is staged on local disk (hashed, counted, sniffed); commit sends it with one PutObject
 * carrying its SHA-256 checksum (services that verify checksums refuse corrupted bytes), unless an
 * object of that digest is already there.
 */
export class S3FileStore implements FileStore {
  /** The SDK takes ~150 ms to import: it is loaded when an S3 store is made, not at every start. */
  private readonly ready: Promise<{ sdk: typeof S3Sdk; client: S3Client }>;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly stagingDir: string;

  constructor(opts: S3FileStoreOptions) {
    this.ready = import('@aws-sdk/client-s3').then((sdk) => ({ sdk, client: new sdk.S3Client({
      region: opts.region,
      endpoint: opts.endpoint,
      forcePathStyle: opts.forcePathStyle ?? false,
      credentials: opts.credentials,
      // Checksums only where the operation requires one: the SDK's default (a CRC32 trailer in an
      // aws-chunked body) is not understood by every S3-compatible service. Ours is sent as a header.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }) }));
    this.bucket = opts.bucket;
    this.prefix = opts.prefix ?? '';
    this.stagingDir = opts.stagingDir;
  }

  /** The SDK client (for tests and tools that inspect the bucket). */
  async client(): Promise<S3Client> {
    return (await this.ready).client;
  }

  keyOf(sha256: string): string {
    return this.prefix + relativeName(sha256);
  }

  async stage(source: Readable, opts: { maxBytes: number; headBytes?: number }): Promise<StagedFile> {
    const { tmp, sha256, size, head } = await stageToFile(this.stagingDir, source, opts);
    return {
      sha256,
      size,
      head,
      commit: async () => {
        try {
          if (await this.exists(sha256)) return;
          const { sdk, client } = await this.ready;
          await client.send(
            new sdk.PutObjectCommand({
              Bucket: this.bucket,
              Key: this.keyOf(sha256),
              Body: createReadStream(tmp),
              ContentLength: size,
              ContentType: 'application/octet-stream',
              ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
            }),
          );
        } finally {
          await rm(tmp, { force: true });
        }
      },
      discard: () => rm(tmp, { force: true }),
    };
  }

  private async get(sha256: string, range?: string): Promise<Readable> {
    const { sdk, client } = await this.ready;
    try {
      const r = await client.send(new sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(sha256), Range: range }));
      return r.Body as Readable;
    } catch (e) {
      throw s3NotFound(sdk, e) ? new FileMissingError(sha256) : e;
    }
  }

  open(sha256: string): Promise<Readable> {
    return this.get(sha256);
  }

  async readPrefix(sha256: string, maxBytes: number): Promise<Buffer> {
    if (maxBytes <= 0) return Buffer.alloc(0);
    const body = await this.get(sha256, `bytes=0-${maxBytes - 1}`);
    const parts: Buffer[] = [];
    let n = 0;
    for await (const chunk of body) {
      parts.push(chunk as Buffer);
      n += (chunk as Buffer).length;
      // A service that ignores Range sends everything: stop reading at the limit.
      if (n >= maxBytes) {
        body.destroy();
        break;
      }
    }
    return Buffer.concat(parts).subarray(0, maxBytes);
  }

  async exists(sha256: string): Promise<boolean> {
    if (!SHA256.test(sha256)) return false;
    const { sdk, client } = await this.ready;
    try {
      await client.send(new sdk.HeadObjectCommand({ Bucket: this.bucket, Key: this.keyOf(sha256) }));
      return true;
    } catch (e) {
      if (s3NotFound(sdk, e)) return false;
      throw e;
    }
  }

  close(): void {
    void this.ready.then(({ client }) => client.destroy());
  }
}
