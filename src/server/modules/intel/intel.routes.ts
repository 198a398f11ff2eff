import type { FastifyInstance } from 'fastify';
import type { IntelDeps } from './index.ts';

/** The intel REST API and ingest jobs (being built: see the module README). */
export function intelApi(_deps: IntelDeps): { routes: (app: FastifyInstance) => Promise<void>; stop?: () => Promise<void> } {
  return { routes: async () => {} };
}
