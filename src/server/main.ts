import { ConfigError, loadConfig } from './core/config.ts';
import { DataDirLockedError } from './core/data-dir-lock.ts';
import { startRampart } from './boot.ts';
import { demoBanner } from './modules/demo/index.ts';

/** `npm start`: config → database → migrations → modules → listen. */
async function main(): Promise<void> {
  const t0 = performance.now();
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(78);
    }
    throw e;
  }
  let rampart;
  try {
    rampart = await startRampart({ config });
  } catch (e) {
    if (e instanceof DataDirLockedError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(75);
    }
    throw e;
  }
  const ms = Math.round(performance.now() - t0);
  process.stdout.write(
    `\nRampart is ready in ${ms} ms on ${config.database === 'pglite' ? `embedded PostgreSQL (PGlite) in ${config.dataDir}` : 'PostgreSQL'}.\n` +
      `Open ${config.PUBLIC_URL} to sign in. API docs: ${config.PUBLIC_URL}/api/docs\n` +
      (config.SEED_DEMO ? demoBanner() : '') +
      '\n',
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    rampart.core.log.info({ signal }, 'shutting down: finishing in-flight requests and jobs');
    const timer = setTimeout(() => process.exit(1), 30_000).unref();
    await rampart.close();
    clearTimeout(timer);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

void main().catch((e: unknown) => {
  process.stderr.write(`Rampart failed to start: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
