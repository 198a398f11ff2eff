import { sql, type RawBuilder } from 'kysely';

/** Where an organisation is and what kind it is: what the operating picture groups and filters by. */
export interface OrgPlaceRow {
  id: string;
  kind: string;
  /** 2-digit state or 5-digit county FIPS code, or null (national organisations). */
  jurisdiction_fips: string | null;
}

/**
 * A sub-query with one row per organisation: `id, kind, jurisdiction_fips`. Other modules embed it
 * (`JOIN (${orgPlacesSql()}) o ON o.id = …`) to place their records or filter them by sector in one
 * set-based statement; they never name the directory's tables. PostgreSQL inlines it like a table.
 */
export function orgPlacesSql(): RawBuilder<OrgPlaceRow> {
  return sql<OrgPlaceRow>`SELECT o.id, o.kind, o.jurisdiction_fips FROM organisations o`;
}
