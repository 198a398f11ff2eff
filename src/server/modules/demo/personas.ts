import { createHash } from 'node:crypto';
import type { Role } from '../../core/access/actor.ts';

/** The demo password of every demo account. Demo data only: never use on a real deployment. */
export const DEMO_PASSWORD = 'rampart-demo-2026';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** A fixed TOTP secret per demo account, so a newcomer can compute the codes (`rampart totp SECRET`). */
export function demoTotpSecret(email: string): string {
  const bytes = createHash('sha256').update(`rampart-demo-totp:${email}`).digest().subarray(0, 20);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

export interface Persona {
  key: string;
  email: string;
  name: string;
  org: string;
  role: Role;
  platformAdmin?: boolean;
  describe: string;
}

export const HUB = 'National Election Security Hub';

/** One demo person per persona. Analysts and admins must use two-step verification. */
export const PERSONAS: Persona[] = [
  { key: 'HUB_ANALYST', email: 'analyst@hub.demo', name: 'Dana Whitfield', org: HUB, role: 'analyst', describe: 'Hub analyst: shares and triages across all partners' },
  { key: 'HUB_ADMIN', email: 'admin@hub.demo', name: 'Marcus Okafor', org: HUB, role: 'org_admin', describe: 'Hub organisation admin: manages the directory' },
  { key: 'PLATFORM_ADMIN', email: 'platform@rampart.demo', name: 'Priya Raman', org: '', role: 'member', platformAdmin: true, describe: 'Platform admin: manages accounts, reads no shared data' },
  { key: 'STATE_ANALYST', email: 'analyst@az.demo', name: 'Luis Ortega', org: 'Arizona State Election Office', role: 'analyst', describe: 'State election office analyst (Arizona)' },
  { key: 'STATE_OFFICIAL', email: 'official@az.demo', name: 'Karen Holt', org: 'Arizona State Election Office', role: 'member', describe: 'State election official (Arizona)' },
  { key: 'COUNTY_CLERK', email: 'clerk@maricopa.demo', name: 'Tom Reyes', org: 'Maricopa County Elections Department', role: 'org_admin', describe: 'County election director (Maricopa, AZ)' },
  { key: 'OTHER_COUNTY', email: 'clerk@fulton.demo', name: 'Angela Price', org: 'Fulton County Elections Department', role: 'member', describe: 'County official in another state (Fulton, GA)' },
  { key: 'CAMPAIGN', email: 'it@rivera2026.demo', name: 'Sam Lee', org: 'Rivera for Governor 2026', role: 'member', describe: 'Campaign IT lead' },
  { key: 'VENDOR', email: 'security@ballotronix.demo', name: 'Grace Kim', org: 'Ballotronix Election Systems', role: 'analyst', describe: 'Election-technology vendor security analyst' },
  { key: 'PLATFORM_PARTNER', email: 'trust@chirp.demo', name: 'Noah Fischer', org: 'Chirp Social — Trust & Safety', role: 'member', describe: 'Social-media platform partner' },
  { key: 'FEDERAL', email: 'liaison@federal.demo', name: 'Ruth Adams', org: 'Federal Cyber Defense Agency — Election Security', role: 'analyst', describe: 'Federal partner liaison' },
  { key: 'LAW_ENFORCEMENT', email: 'agent@sbi.demo', name: 'Victor Ramos', org: 'State Bureau of Investigation — Cyber Unit', role: 'member', describe: 'Law enforcement' },
];

export const needsMfa = (p: Persona) => p.platformAdmin === true || p.role !== 'member';
