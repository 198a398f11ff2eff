import type { FastifyInstance } from 'fastify';
import type { IntelDeps } from '../index.ts';

/** TAXII 2.1 server and client (being built: see the module README). */
export function taxiiModule(_deps: IntelDeps): { rootRoutes: (app: FastifyInstance) => Promise<void>; stop?: () => Promise<void> } {
  return { rootRoutes: async () => {} };
}
