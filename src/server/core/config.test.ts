import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('configuration', () => {
  test('defaults: PGlite under ./data, port 8080, demo data on', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ database: 'pglite', PORT: 8080, SEED_DEMO: true, PUBLIC_URL: 'http://localhost:8080' });
  });
  test('DATABASE_URL switches to PostgreSQL and turns demo data off by default', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u@db.example:5432/rampart' });
    expect(c).toMatchObject({ database: 'postgres', SEED_DEMO: false });
  });
  test('a bad configuration names every bad key at once', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', SMTP_URL: 'http://mail', LOG_LEVEL: 'loud', SEED_DEMO: 'maybe' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const keys = (err as ConfigError).problems.map((p) => p.key).sort();
    expect(keys).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'PORT', 'SEED_DEMO', 'SMTP_URL']);
    expect((err as ConfigError).message).toMatch(/PORT: /);
  });
  test('alert escalation and fan-out settings: defaults, overrides, bad values named', () => {
    expect(loadConfig({})).toMatchObject({ ALERTS_ESCALATE_HIGH_MINUTES: 120, ALERTS_ESCALATE_SEVERE_MINUTES: 30, ALERTS_BATCH_SIZE: 500 });
    expect(loadConfig({ ALERTS_ESCALATE_SEVERE_MINUTES: '45', ALERTS_BATCH_SIZE: '50' })).toMatchObject({ ALERTS_ESCALATE_SEVERE_MINUTES: 45, ALERTS_BATCH_SIZE: 50 });
    expect(() => loadConfig({ ALERTS_ESCALATE_HIGH_MINUTES: '0', ALERTS_BATCH_SIZE: 'lots' })).toThrow(/ALERTS_ESCALATE_HIGH_MINUTES: [\s\S]*ALERTS_BATCH_SIZE: /);
  });
  test('empty values count as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' }).database).toBe('pglite');
  });
});
