import { sql } from 'kysely';
import type { Actor } from '../../core/access/actor.ts';
import type { Core } from '../../core/module.ts';
import type { AuthService } from '../auth/index.ts';
import type { DirectoryService, OrgKind } from '../directory/index.ts';
import { DEMO_PASSWORD, HUB, PERSONAS, demoTotpSecret, needsMfa } from './personas.ts';

/** Large real counties (FIPS) for the demo's local election offices; names come from the jurisdictions table. */
const DEMO_COUNTIES = ['04013', '04019', '13121', '13089', '42101', '42003', '26163', '26125', '32003', '55025', '37119', '48201', '06037', '17031', '12086', '53033', '39035', '27053'];

const COMMUNITIES = [
  { name: 'All partners', description: 'Every organisation on Rampart' },
  { name: 'Election officials', description: 'State and local election offices and the hub' },
  { name: 'Campaigns and parties', description: 'Campaigns, parties and the hub' },
  { name: 'Vendors', description: 'Election-technology vendors and the hub' },
];

/** Loads the demo data into an empty directory; true when it did (boot then refreshes planner statistics). */
export async function seedDemoData(core: Core, deps: { directory: DirectoryService; auth: AuthService }, actor: Actor): Promise<boolean> {
  const db = core.database.db;
  const n = await sql<{ n: number }>`SELECT count(*)::int AS n FROM organisations`.execute(db);
  if (n.rows[0]!.n > 0) return false; // once
  const { directory, auth } = deps;
  const community: Record<string, string> = {};
  for (const c of COMMUNITIES) community[c.name] = (await directory.createCommunity(actor, c.name, c.description)).id;
  const all = community['All partners']!;
  const officials = community['Election officials']!;

  const orgId: Record<string, string> = {};
  const make = async (name: string, kind: OrgKind, extra: { parentId?: string | null; fips?: string | null; communities?: string[]; description?: string; contacts?: { name: string; role: string; phone: string; email: string }[] } = {}) => {
    const o = await directory.createOrg(actor, {
      name, kind, parentId: extra.parentId ?? null, jurisdictionFips: extra.fips ?? null, website: null, description: extra.description ?? '',
      contacts: (extra.contacts ?? []).map((c) => ({ ...c, is24x7: true })), communityIds: extra.communities ?? [all],
    });
    orgId[name] = o.id;
    return o.id;
  };
  const everyCommunity = Object.values(community);
  await make(HUB, 'national_hub', {
    communities: everyCommunity,
    description: 'The national hub: shares threat information with every election stakeholder and coordinates response.',
    contacts: [{ name: 'Hub Watch Floor', role: '24x7 operations', phone: '+1 202 555 0100', email: 'watch@hub.demo' }],
  });
  const states = await directory.listJurisdictions(actor, { page: 1, pageSize: 500, kind: 'state' });
  const others = await directory.listJurisdictions(actor, { page: 1, pageSize: 500, kind: 'district' });
  const territories = await directory.listJurisdictions(actor, { page: 1, pageSize: 500, kind: 'territory' });
  const stateOffice: Record<string, string> = {};
  for (const j of [...states.items, ...others.items, ...territories.items]) {
    const id = await make(`${j.name} State Election Office`, 'state_election_office', {
      fips: j.fips,
      communities: [all, officials],
      contacts: [{ name: `${j.name} Elections Duty Officer`, role: 'Election security duty officer', phone: `+1 555 01${j.fips}`, email: `duty@elections.${j.fips}.demo` }],
    });
    stateOffice[j.fips] = id;
  }
  for (const fips of DEMO_COUNTIES) {
    const county = (await directory.listJurisdictions(actor, { page: 1, pageSize: 500, state: fips.slice(0, 2), kind: 'county' })).items.find((c) => c.fips === fips);
    if (!county) continue;
    await make(`${county.name} County Elections Department`, 'local_election_office', {
      fips, parentId: stateOffice[fips.slice(0, 2)], communities: [all, officials],
      contacts: [{ name: `${county.name} Elections Director`, role: 'Director of elections', phone: `+1 555 02${fips.slice(2)}`, email: `director@${county.name.toLowerCase().replace(/[^a-z]/g, '')}.demo` }],
    });
  }
  const campaigns = community['Campaigns and parties']!;
  await make('Rivera for Governor 2026', 'campaign', { fips: '04', communities: [all, campaigns] });
  await make('Chen for Congress', 'campaign', { fips: '13', communities: [all, campaigns] });
  await make('Harbor State Party Committee', 'political_party', { communities: [all, campaigns] });
  await make('Prairie State Party Committee', 'political_party', { communities: [all, campaigns] });
  const vendors = community['Vendors']!;
  await make('Ballotronix Election Systems', 'election_vendor', { communities: [all, vendors], description: 'Tabulators and ballot-marking devices (fictional).' });
  await make('PollBook Works', 'election_vendor', { communities: [all, vendors], description: 'Electronic pollbooks (fictional).' });
  await make('Chirp Social — Trust & Safety', 'private_sector', { description: 'Social-media platform partner (fictional).' });
  await make('Federal Cyber Defense Agency — Election Security', 'federal_partner', { communities: everyCommunity });
  await make('State Bureau of Investigation — Cyber Unit', 'law_enforcement', { fips: '04' });
  await make('National Intelligence Liaison Office', 'intelligence_community');

  for (const p of PERSONAS) {
    await auth.createUser(actor, {
      email: p.email, name: p.name, password: DEMO_PASSWORD, platformAdmin: p.platformAdmin,
      memberships: p.org ? [{ orgId: orgId[p.org]!, role: p.role }] : [],
      mfaSecret: needsMfa(p) ? demoTotpSecret(p.email) : undefined,
    });
  }
  return true;
}
