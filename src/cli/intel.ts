import type { Command } from 'commander';
import type { Remote } from './http.ts';

/** Intel commands (ingest, export): registered here once the intel API is in place. */
export function registerIntelCommands(_program: Command, _json: () => boolean, _remote: () => Remote): void {}
