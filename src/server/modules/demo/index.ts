import type { Core, RampartModule } from '../../core/module.ts';
import { systemActor } from '../../core/access/actor.ts';
import type { DirectoryService } from '../directory/index.ts';
import type { AuthService } from '../auth/index.ts';
import { seedDemoData } from './seed.ts';
import { DEMO_PASSWORD, PERSONAS, demoTotpSecret, needsMfa } from './personas.ts';

export { PERSONAS, DEMO_PASSWORD, demoTotpSecret, needsMfa, HUB } from './personas.ts';

/** Demo data: loaded once into an empty database when SEED_DEMO is on (default with PGlite). */
export function createDemoModule(core: Core, deps: { directory: DirectoryService; auth: AuthService }): RampartModule {
  return {
    name: 'demo',
    seedDemo: () => seedDemoData(core, deps, systemActor('demo-seed')),
  };
}

export function demoBanner(): string {
  const lines = PERSONAS.map(
    (p) => `  ${p.email.padEnd(28)} ${p.describe}${needsMfa(p) ? `\n  ${''.padEnd(28)} two-step code: npx rampart totp ${demoTotpSecret(p.email)}` : ''}`,
  );
  return `\nDemo accounts (password for all: ${DEMO_PASSWORD}) — demo data only:\n${lines.join('\n')}\n`;
}
