import { createRequire } from 'node:module';

/**
 * US states, the District of Columbia, territories and counties (and county equivalents) with their
 * FIPS codes and names, read from the `us-atlas` package (Census Bureau cartographic boundaries,
 * ISC licence; see node_modules/us-atlas/README.md). Nothing here is typed by hand.
 */
const TERRITORIES = new Set(['60', '66', '69', '72', '78']);

export interface JurisdictionRow {
  fips: string;
  kind: 'state' | 'district' | 'territory' | 'county';
  name: string;
  stateFips: string;
}

export function loadJurisdictions(): JurisdictionRow[] {
  const require = createRequire(import.meta.url);
  // Only the properties are read here; the web map draws the geometry from the same package.
  type Geometries = { geometries: { id: string | number; properties: { name: string } }[] };
  const topo = require('us-atlas/counties-10m.json') as { objects: { states: Geometries; counties: Geometries } };
  const rows: JurisdictionRow[] = [];
  for (const g of topo.objects.states.geometries) {
    const fips = String(g.id);
    rows.push({ fips, kind: fips === '11' ? 'district' : TERRITORIES.has(fips) ? 'territory' : 'state', name: g.properties.name, stateFips: fips });
  }
  const states = new Set(rows.map((r) => r.fips));
  for (const g of topo.objects.counties.geometries) {
    const fips = String(g.id);
    if (!/^[0-9]{5}$/.test(fips) || !states.has(fips.slice(0, 2))) continue;
    rows.push({ fips, kind: 'county', name: g.properties.name, stateFips: fips.slice(0, 2) });
  }
  return rows;
}
