import { z } from 'zod';
import path from 'node:path';

/**
 * Rampart's configuration: read from the environment once, validated at boot.
 * A bad value stops boot with one message naming every bad key (see ConfigError).
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** 32 bytes in base64 or base64url. */
const isKey32 = (v: string) => /^[A-Za-z0-9+/_-]+={0,2}$/.test(v.trim()) && Buffer.from(v.trim(), 'base64').length === 32;

const ConfigSchema = z.object({
  RAMPART_ENV: z.enum(['production', 'development', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATABASE_READ_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  DATA_DIR: z.string().min(1).default('./data'),
  /** Where uploaded files (incident attachments) are kept: `local` under DATA_DIR/files, or `s3`. */
  FILE_STORE: z.enum(['local', 's3']).default('local'),
  /** An S3-compatible service's URL (MinIO, Ceph, Garage…); unset: AWS S3 in S3_REGION. */
  S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)')
    .optional(),
  S3_REGION: z.string().regex(/^[a-z0-9-]{1,50}$/, 'must be a region name such as us-east-1').default('us-east-1'),
  /** Object keys start with this (e.g. `rampart/`), so one bucket can serve several uses. */
  S3_PREFIX: z
    .string()
    .regex(/^([A-Za-z0-9!_.*'()-]+\/)*$/, 'must be path segments each ending in /, e.g. rampart/files/')
    .default(''),
  /** Unset (both): the AWS SDK's default credential chain (AWS_* variables, shared files, instance role). */
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: bool.default(false),
  SEED_DEMO: bool.optional(),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  MAIL_FROM: z.string().min(3).default('Rampart <rampart@localhost>'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(12),
  LOGIN_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  LOGIN_LOCKOUT_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(15),
  BODY_LIMIT_MB: z.coerce.number().min(0.1).max(2048).default(10),
  LOG_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  ALLOW_PRIVATE_WEBHOOKS: bool.default(false),
  /** Minutes after publication before unacknowledged High / Severe alerts escalate to 24x7 contacts. */
  ALERTS_ESCALATE_HIGH_MINUTES: z.coerce.number().int().min(1).max(7 * 24 * 60).default(120),
  ALERTS_ESCALATE_SEVERE_MINUTES: z.coerce.number().int().min(1).max(7 * 24 * 60).default(30),
  /** Alert deliveries handled per transaction in a fan-out. */
  ALERTS_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  JOBS: bool.default(true),
  /**
   * The key that encrypts secrets at rest (TAXII subscription credentials): 32 bytes in base64.
   * Unset: generated once into DATA_DIR/secrets.key; required in production on PostgreSQL.
   */
  SECRETS_KEY: z.string().refine(isKey32, 'must be 32 bytes in base64 (e.g. `openssl rand -base64 32`)').optional(),
  /** Previous keys, comma-separated, used only to decrypt (while rotating: see docs/operations.md). */
  SECRETS_DECRYPT_KEYS: z
    .string()
    .refine((v) => v.split(',').every((k) => !k.trim() || isKey32(k)), 'must be comma-separated keys of 32 bytes in base64')
    .optional(),
}).superRefine((c, ctx) => {
  if (c.DATABASE_URL && c.RAMPART_ENV === 'production' && !c.SECRETS_KEY) {
    ctx.addIssue({ code: 'custom', path: ['SECRETS_KEY'], message: 'required in production on PostgreSQL (the same key on every node): `openssl rand -base64 32`' });
  }
  if (c.FILE_STORE === 's3' && !c.S3_BUCKET) ctx.addIssue({ code: 'custom', path: ['S3_BUCKET'], message: 'required when FILE_STORE=s3' });
  if (!c.S3_ACCESS_KEY_ID !== !c.S3_SECRET_ACCESS_KEY) {
    ctx.addIssue({ code: 'custom', path: [c.S3_ACCESS_KEY_ID ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID'], message: 'set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY together' });
  }
});

export type Config = Omit<z.infer<typeof ConfigSchema>, 'PUBLIC_URL' | 'SEED_DEMO'> & {
  PUBLIC_URL: string;
  SEED_DEMO: boolean;
  /** Absolute path of DATA_DIR. */
  dataDir: string;
  /** 'pglite' when no DATABASE_URL is set. */
  database: 'pglite' | 'postgres';
};

export class ConfigError extends Error {
  constructor(readonly problems: { key: string; message: string }[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${p.key}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** Reads and validates the configuration. Empty strings count as unset. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(ConfigSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') input[key] = v;
  }
  const parsed = ConfigSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => ({
      key: String(i.path[0] ?? '(config)'),
      message: i.message,
    }));
    throw new ConfigError(problems);
  }
  const c = parsed.data;
  const database = c.DATABASE_URL ? 'postgres' : 'pglite';
  return {
    ...c,
    PUBLIC_URL: (c.PUBLIC_URL ?? `http://localhost:${c.PORT}`).replace(/\/$/, ''),
    SEED_DEMO: c.SEED_DEMO ?? database === 'pglite',
    dataDir: path.resolve(c.DATA_DIR),
    database,
  };
}
