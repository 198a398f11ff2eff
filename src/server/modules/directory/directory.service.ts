import { parse } from 'csv-parse/sync';
import { hasRole, hasScope, type Actor } from '../../core/access/actor.ts';
import { audit } from '../../core/audit/audit.ts';
import { withTx, type Db, type DbOrTx } from '../../core/db.ts';
import { AppError, errors, type FieldProblem } from '../../core/http/errors.ts';
import type { DirectoryRepo } from './directory.repo.ts';
import {
  ContactInput,
  ORG_KINDS,
  OrgCreateBody,
  type ImportResult,
  type OrgKind,
  type OrgListQuery,
  type OrgUpdateBody,
} from './directory.schemas.ts';
import { loadJurisdictions } from './jurisdictions.ts';

/** Reads need a signed-in person or a token with the `read` scope. */
function requireReader(actor: Actor): void {
  if (actor.kind === 'anonymous') throw errors.unauthenticated();
  if (!hasScope(actor, 'read')) throw errors.forbidden('AUTH_SCOPE', 'This token lacks the read scope');
}

/** The directory is managed by platform admins and the national hub's organisation admins. */
export function canManageDirectory(actor: Actor): boolean {
  if (actor.kind === 'system') return true;
  if (!hasScope(actor, 'admin')) return false;
  return actor.platformAdmin || (actor.orgKind === 'national_hub' && hasRole(actor, 'org_admin'));
}

function requireManager(actor: Actor): void {
  requireReader(actor);
  if (!canManageDirectory(actor)) throw errors.forbidden('DIRECTORY_FORBIDDEN', 'Only platform admins and the hub’s organisation admins manage the directory');
}

export function createDirectoryService(db: Db, repo: DirectoryRepo) {
  async function checkRefs(tx: DbOrTx, o: { parentId?: string | null; jurisdictionFips?: string | null; communityIds?: string[] }, selfId?: string, prefix = 'body') {
    const problems: FieldProblem[] = [];
    if (o.parentId) {
      if (!(await repo.orgExists(tx, o.parentId))) problems.push({ path: `${prefix}.parentId`, message: 'no such organisation' });
      else if (selfId && (await repo.wouldCycle(tx, selfId, o.parentId))) problems.push({ path: `${prefix}.parentId`, message: 'would make the organisation its own ancestor' });
    }
    if (o.jurisdictionFips && !(await repo.jurisdictionExists(tx, o.jurisdictionFips))) {
      problems.push({ path: `${prefix}.jurisdictionFips`, message: `unknown FIPS code ${o.jurisdictionFips}` });
    }
    if (o.communityIds?.length) {
      const found = new Set(await repo.existingCommunityIds(tx, o.communityIds));
      const i = o.communityIds.findIndex((c) => !found.has(c));
      if (i >= 0) problems.push({ path: `${prefix}.communityIds.${i}`, message: 'no such community' });
    }
    return problems;
  }

  async function getOrg(actor: Actor, id: string) {
    requireReader(actor);
    const org = await repo.getOrg(db, id);
    if (!org) throw errors.notFound('organisation');
    return org;
  }

  return {
    async listOrgs(actor: Actor, q: OrgListQuery) {
      requireReader(actor);
      return repo.listOrgs(q);
    },

    getOrg,

    async createOrg(actor: Actor, input: OrgCreateBody) {
      requireManager(actor);
      const id = await withTx(db, async (tx) => {
        const problems = await checkRefs(tx, input);
        if (problems.length) throw errors.validation(problems);
        if (await repo.findOrgIdByName(tx, input.name)) throw errors.conflict('DIRECTORY_NAME_TAKEN', `An organisation named “${input.name}” exists`, { path: 'body.name' });
        const id = await repo.insertOrg(tx, { ...input, website: input.website || null });
        await repo.replaceContacts(tx, id, input.contacts);
        await repo.replaceOrgCommunities(tx, id, input.communityIds);
        await audit(tx, actor, { action: 'directory.org.create', subjectType: 'organisation', subjectId: id, details: { name: input.name, kind: input.kind } });
        return id;
      });
      return getOrg(actor, id);
    },

    async updateOrg(actor: Actor, id: string, input: OrgUpdateBody) {
      requireReader(actor);
      const existing = await repo.getOrg(db, id);
      if (!existing) throw errors.notFound('organisation');
      const ownAdmin = hasRole(actor, 'org_admin') && actor.orgPath.includes(id) && hasScope(actor, 'admin');
      if (!canManageDirectory(actor) && !ownAdmin) throw errors.forbidden('DIRECTORY_FORBIDDEN', 'You may not edit this organisation');
      if (!canManageDirectory(actor) && (input.kind !== undefined || input.parentId !== undefined || input.communityIds !== undefined)) {
        throw errors.forbidden('DIRECTORY_FORBIDDEN', 'Only directory managers change kind, parent or communities');
      }
      await withTx(db, async (tx) => {
        const problems = await checkRefs(tx, input, id);
        if (problems.length) throw errors.validation(problems);
        if (input.name && input.name.toLowerCase() !== existing.name.toLowerCase() && (await repo.findOrgIdByName(tx, input.name))) {
          throw errors.conflict('DIRECTORY_NAME_TAKEN', `An organisation named “${input.name}” exists`, { path: 'body.name' });
        }
        await repo.updateOrg(tx, id, { ...input, website: input.website === '' ? null : input.website });
        if (input.contacts) await repo.replaceContacts(tx, id, input.contacts);
        if (input.communityIds) await repo.replaceOrgCommunities(tx, id, input.communityIds);
        await audit(tx, actor, { action: 'directory.org.update', subjectType: 'organisation', subjectId: id, details: { fields: Object.keys(input) } });
      });
      return getOrg(actor, id);
    },

    async listCommunities(actor: Actor) {
      requireReader(actor);
      return repo.listCommunities(db);
    },

    async createCommunity(actor: Actor, name: string, description: string) {
      requireManager(actor);
      return withTx(db, async (tx) => {
        if (await repo.findCommunityByName(tx, name)) throw errors.conflict('DIRECTORY_NAME_TAKEN', `A community named “${name}” exists`, { path: 'body.name' });
        const id = await repo.insertCommunity(tx, name, description);
        await audit(tx, actor, { action: 'directory.community.create', subjectType: 'community', subjectId: id, details: { name } });
        return { id, name, description, memberCount: 0 };
      });
    },

    async addCommunityMembers(actor: Actor, communityId: string, orgIds: string[]) {
      requireManager(actor);
      return withTx(db, async (tx) => {
        if (!(await repo.communityExists(tx, communityId))) throw errors.notFound('community');
        for (const [i, o] of orgIds.entries()) {
          if (!(await repo.orgExists(tx, o))) throw errors.validation([{ path: `body.orgIds.${i}`, message: 'no such organisation' }]);
        }
        const added = await repo.addCommunityMembers(tx, communityId, orgIds);
        await audit(tx, actor, { action: 'directory.community.join', subjectType: 'community', subjectId: communityId, details: { orgIds } });
        return { added };
      });
    },

    async removeCommunityMember(actor: Actor, communityId: string, orgId: string) {
      requireManager(actor);
      await withTx(db, async (tx) => {
        if (!(await repo.removeCommunityMember(tx, communityId, orgId))) throw errors.notFound('membership');
        await audit(tx, actor, { action: 'directory.community.leave', subjectType: 'community', subjectId: communityId, details: { orgId } });
      });
    },

    async listJurisdictions(actor: Actor, q: { q?: string; state?: string; kind?: string; page: number; pageSize: number }) {
      requireReader(actor);
      return repo.listJurisdictions(q);
    },

    /**
     * CSV import (UTF-8, header row). Columns: name, kind, parent, jurisdiction_fips, website,
     * description, communities (names separated by ';'), contact_name, contact_role, contact_phone,
     * contact_email. Existing organisations (same name) are updated. Every row is checked first; with
     * any error nothing is written unless `skipInvalid`, which writes the valid rows only.
     */
    async importCsv(actor: Actor, text: string, opts: { skipInvalid?: boolean } = {}): Promise<ImportResult> {
      requireManager(actor);
      let records: Record<string, string>[];
      try {
        records = parse(text, { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, trim: true, bom: true, relax_column_count: false });
      } catch (e) {
        throw errors.badRequest('DIRECTORY_CSV_MALFORMED', `The CSV could not be read: ${(e as Error).message}`, { path: 'file' });
      }
      if (records.length === 0) throw errors.badRequest('DIRECTORY_CSV_EMPTY', 'The CSV has no data rows', { path: 'file' });
      if (records.length > 20000) throw errors.badRequest('DIRECTORY_CSV_TOO_LARGE', 'At most 20,000 rows per import', { path: 'file' });
      const header = Object.keys(records[0]!);
      for (const required of ['name', 'kind']) {
        if (!header.includes(required)) throw errors.badRequest('DIRECTORY_CSV_COLUMN', `Missing column “${required}”`, { path: `column.${required}` });
      }
      return withTx(db, async (tx) => {
        const errorsOut: ImportResult['errors'] = [];
        const communities = new Map((await repo.listCommunities(tx)).map((c) => [c.name.toLowerCase(), c.id]));
        const namesInFile = new Map<string, number>();
        type Valid = { row: number; body: OrgCreateBody; parentName: string | null };
        const valid: Valid[] = [];
        for (const [i, rec] of records.entries()) {
          const row = i + 2; // 1 is the header line
          const rowErrors: { field: string; message: string }[] = [];
          const name = rec.name ?? '';
          const lower = name.toLowerCase();
          if (namesInFile.has(lower)) rowErrors.push({ field: 'name', message: `duplicate of row ${namesInFile.get(lower)}` });
          namesInFile.set(lower, row);
          const kind = (rec.kind ?? '').toLowerCase().replace(/[\s-]+/g, '_');
          if (!(ORG_KINDS as readonly string[]).includes(kind)) rowErrors.push({ field: 'kind', message: `must be one of ${ORG_KINDS.join(', ')}` });
          const communityIds: string[] = [];
          for (const cname of (rec.communities ?? '').split(';').map((s) => s.trim()).filter(Boolean)) {
            const id = communities.get(cname.toLowerCase());
            if (id) communityIds.push(id);
            else rowErrors.push({ field: 'communities', message: `no community named “${cname}”` });
          }
          const contacts: ContactInput[] = [];
          if (rec.contact_name) {
            const c = ContactInput.safeParse({ name: rec.contact_name, role: rec.contact_role ?? '', phone: rec.contact_phone ?? '', email: rec.contact_email ?? '' });
            if (c.success) contacts.push(c.data);
            else for (const iss of c.error.issues) rowErrors.push({ field: `contact_${String(iss.path[0])}`, message: iss.message });
          }
          const parsed = OrgCreateBody.safeParse({
            name,
            kind: (ORG_KINDS as readonly string[]).includes(kind) ? kind : 'campaign',
            jurisdictionFips: rec.jurisdiction_fips || null,
            website: rec.website || null,
            description: rec.description ?? '',
            contacts,
            communityIds,
          });
          if (!parsed.success) {
            for (const iss of parsed.error.issues) {
              const f = String(iss.path[0]);
              rowErrors.push({ field: f === 'jurisdictionFips' ? 'jurisdiction_fips' : f, message: iss.message });
            }
          } else if (parsed.data.jurisdictionFips && !(await repo.jurisdictionExists(tx, parsed.data.jurisdictionFips))) {
            rowErrors.push({ field: 'jurisdiction_fips', message: `unknown FIPS code ${parsed.data.jurisdictionFips}` });
          }
          if (rowErrors.length || !parsed.success) {
            for (const e of rowErrors) errorsOut.push({ row, ...e });
            continue;
          }
          valid.push({ row, body: parsed.data, parentName: rec.parent || null });
        }
        // Parents may be earlier rows of the same file or existing organisations.
        const result: ImportResult = { created: 0, updated: 0, rows: records.length, errors: errorsOut, committed: false };
        const fileNames = new Set(valid.map((v) => v.body.name.toLowerCase()));
        for (const v of valid) {
          if (v.parentName && !fileNames.has(v.parentName.toLowerCase()) && !(await repo.findOrgIdByName(tx, v.parentName))) {
            errorsOut.push({ row: v.row, field: 'parent', message: `no organisation named “${v.parentName}”` });
          }
        }
        const badRows = new Set(errorsOut.map((e) => e.row));
        if (badRows.size && !opts.skipInvalid) {
          errorsOut.sort((a, b) => a.row - b.row);
          return result;
        }
        for (const v of valid.filter((x) => !badRows.has(x.row))) {
          const existingId = await repo.findOrgIdByName(tx, v.body.name);
          const parentId = v.parentName ? await repo.findOrgIdByName(tx, v.parentName) : null;
          const fields = { ...v.body, parentId, website: v.body.website || null };
          if (existingId) {
            await repo.updateOrg(tx, existingId, fields);
            if (fields.contacts.length) await repo.replaceContacts(tx, existingId, fields.contacts);
            if (fields.communityIds.length) await repo.replaceOrgCommunities(tx, existingId, fields.communityIds);
            result.updated++;
          } else {
            const id = await repo.insertOrg(tx, fields);
            await repo.replaceContacts(tx, id, fields.contacts);
            await repo.replaceOrgCommunities(tx, id, fields.communityIds);
            result.created++;
          }
        }
        await audit(tx, actor, { action: 'directory.org.import', subjectType: 'organisation', details: { rows: records.length, created: result.created, updated: result.updated, rejected: badRows.size } });
        errorsOut.sort((a, b) => a.row - b.row);
        result.committed = true;
        return result;
      });
    },

    /** Reference data: all jurisdictions from us-atlas, loaded idempotently; true when this call wrote them. */
    async loadReferenceData(): Promise<boolean> {
      const rows = loadJurisdictions();
      if ((await repo.countJurisdictions(db)) === rows.length) return false;
      await withTx(db, (tx) => repo.upsertJurisdictions(tx, rows));
      return true;
    },

    /** For the auth module: the acting organisation's ancestors and communities. */
    async actorContext(orgId: string): Promise<{ orgPath: string[]; communityIds: string[]; orgKind: OrgKind | null }> {
      const [orgPath, communityIds, org] = await Promise.all([repo.orgPath(db, orgId), repo.communityIdsOf(db, orgId), repo.getOrg(db, orgId)]);
      return { orgPath, communityIds, orgKind: org?.kind ?? null };
    },
  };
}
export type DirectoryService = ReturnType<typeof createDirectoryService>;
export { AppError };
