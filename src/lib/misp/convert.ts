import { mapAttribute } from './attributes.ts';
import { clusterTagName, clusterToSdo, galaxySdoType } from './galaxies.ts';
import { MISP_IMPORT_NAMESPACE, isoFromDateString, isoFromEpoch, stixUuid, uuidv5 } from './ids.ts';
import { mapObject } from './objects.ts';
import {
  MispValidationError,
  eventEnvelopeSchema,
  eventSchema,
  toValidationError,
  type MispAttribute,
  type MispEvent,
  type MispGalaxy,
} from './schema.ts';
import { TLP_MARKING_IDS, isTlpTag, mostRestrictive, sharingFromDistribution, tlpFromTags } from './tlp.ts';
import type { MispToStixOptions, MispToStixResult, SkippedItem, StixObject, Tlp } from './types.ts';

/**
 * Validate a MISP event document: `{ "Event": { ... } }` (API `GET /events/view/ID`, feed `<uuid>.json`)
 * or the bare inner event object. Throws MispValidationError (with JSON paths) on malformed input.
 */
export function parseMispEvent(input: unknown): MispEvent {
  if (typeof input === 'string') {
    try {
      input = JSON.parse(input);
    } catch (e) {
      throw new MispValidationError([{ path: '$', message: `not JSON: ${(e as Error).message}` }]);
    }
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new MispValidationError([{ path: '$', message: 'expected a JSON object with an "Event" member' }]);
  }
  if (Object.hasOwn(input, 'Event')) {
    const r = eventEnvelopeSchema.safeParse(input);
    if (!r.success) throw toValidationError(r.error);
    return r.data.Event;
  }
  const r = eventSchema.safeParse(input);
  if (!r.success) throw toValidationError(r.error);
  return r.data;
}

const label = (k: string, v: string) => `misp:${k}="${v}"`;

function tagLabels(tags: ReadonlyArray<{ name: string }>, exclude: ReadonlySet<string>): string[] {
  return tags.map((t) => t.name).filter((n) => n.length > 0 && !isTlpTag(n) && !exclude.has(n));
}

function uniq(xs: string[]): string[] {
  return [...new Set(xs)];
}

/**
 * Convert one MISP event to STIX 2.1 objects following misp-stix's MISP → STIX 2.1 mapping.
 * Throws only MispValidationError, and only for input that does not match the MISP event format;
 * attributes/objects that cannot be converted are listed in `skipped`.
 */
export function mispEventToStix(input: unknown, opts: MispToStixOptions = {}): MispToStixResult {
  const event = parseMispEvent(input);
  const unmappedMode = opts.unmapped ?? 'skip';
  const withMarkings = opts.markingRefs ?? true;

  const out = new Map<string, StixObject>();
  const skipped: SkippedItem[] = [];
  const eventTs = isoFromEpoch(event.timestamp);
  const reportId = `report--${stixUuid(event.uuid)}`;

  // --- identity for the creating organisation (Orgc), id reuses the org uuid as misp-stix does ---
  const org = event.Orgc ?? event.Org;
  const identityId = org?.uuid ? `identity--${stixUuid(org.uuid)}` : `identity--${uuidv5(`misp-org:${org?.name ?? 'unknown'}`, MISP_IMPORT_NAMESPACE)}`;
  const identity: StixObject = {
    type: 'identity',
    spec_version: '2.1',
    id: identityId,
    created: eventTs,
    modified: eventTs,
    name: org?.name ?? 'Unknown MISP organisation',
    identity_class: 'organization',
  };

  // --- TLP ---
  const eventTlp = tlpFromTags(event.Tag);
  let maxTlp: Tlp | null = eventTlp;
  const markingFor = (tlp: Tlp | null): Record<string, unknown> =>
    withMarkings && tlp ? { object_marking_refs: [TLP_MARKING_IDS[tlp]] } : {};

  const add = (o: StixObject) => {
    if (!out.has(o.id)) out.set(o.id, o);
  };

  // --- galaxies ---
  const galaxyTags = (galaxies: MispGalaxy[]) => {
    const names = new Set<string>();
    for (const g of galaxies) for (const c of g.GalaxyCluster) if (galaxySdoType(g.type, opts.galaxyTypeMappings)) names.add(clusterTagName(g, c));
    return names;
  };
  /** Convert clusters; returns the SDO ids, and labels for clusters that have no SDO mapping. */
  const convertGalaxies = (galaxies: MispGalaxy[], ownerUuid: string) => {
    const ids: string[] = [];
    const labels: string[] = [];
    for (const g of galaxies) {
      const sdoType = galaxySdoType(g.type, opts.galaxyTypeMappings);
      for (const c of g.GalaxyCluster) {
        if (!sdoType) {
          labels.push(clusterTagName(g, c));
          skipped.push({
            attributeUuid: c.uuid,
            type: `galaxy:${g.type}`,
            reason: `galaxy type "${g.type}" has no STIX SDO mapping in misp-stix; kept as label ${JSON.stringify(clusterTagName(g, c))} on ${ownerUuid === event.uuid ? 'the report' : `the object from ${ownerUuid}`}`,
            kind: 'galaxy-cluster',
          });
          continue;
        }
        const sdo = clusterToSdo(g, c, sdoType, eventTs);
        add(sdo);
        ids.push(sdo.id);
      }
    }
    return { ids, labels };
  };
  const relate = (sourceId: string, targetId: string) => {
    const sourceType = sourceId.slice(0, sourceId.indexOf('--'));
    const targetType = targetId.slice(0, targetId.indexOf('--'));
    const relType =
      sourceType === 'indicator' && ['attack-pattern', 'malware', 'threat-actor', 'tool', 'campaign'].includes(targetType) ? 'indicates' : 'related-to';
    add({
      type: 'relationship',
      spec_version: '2.1',
      id: `relationship--${uuidv5(`${sourceId}|${relType}|${targetId}`, MISP_IMPORT_NAMESPACE)}`,
      created_by_ref: identityId,
      created: eventTs,
      modified: eventTs,
      relationship_type: relType,
      source_ref: sourceId,
      target_ref: targetId,
    });
  };

  const eventGalaxy = convertGalaxies(event.Galaxy, event.uuid);

  // --- attributes ---
  const seenUuids = new Set<string>();
  const timesOf = (a: { timestamp?: number; first_seen?: string | null; last_seen?: string | null }) => {
    const created = a.timestamp !== undefined ? isoFromEpoch(a.timestamp) : eventTs;
    const first = isoFromDateString(a.first_seen);
    let last = isoFromDateString(a.last_seen);
    if (first && last && last < first) last = undefined;
    return { created, first, last };
  };

  const emitObservable = (
    uuid: string,
    toIds: boolean,
    pattern: string,
    scos: StixObject[],
    common: Record<string, unknown>,
    times: { created: string; first?: string; last?: string },
    marking: Record<string, unknown>,
  ): string => {
    if (toIds) {
      const ind: StixObject = {
        type: 'indicator',
        spec_version: '2.1',
        id: `indicator--${stixUuid(uuid)}`,
        ...common,
        pattern,
        pattern_type: 'stix',
        pattern_version: '2.1',
        valid_from: times.first ?? times.created,
        ...(times.last && times.last > (times.first ?? times.created) ? { valid_until: times.last } : {}),
        ...marking,
      };
      dropUndefined(ind);
      add(ind);
      return ind.id;
    }
    const first = times.first ?? times.created;
    // observed-data has no kill_chain_phases property (misp-stix does not set it there either)
    const { kill_chain_phases: _kcp, ...odCommon } = common;
    const od: StixObject = {
      type: 'observed-data',
      spec_version: '2.1',
      id: `observed-data--${stixUuid(uuid)}`,
      ...odCommon,
      first_observed: first,
      last_observed: times.last ?? first,
      number_observed: 1,
      object_refs: scos.map((s) => s.id),
      ...marking,
    };
    dropUndefined(od);
    add(od);
    for (const s of scos) add({ ...s, ...marking });
    return od.id;
  };

  for (const a of event.Attribute) {
    convertAttribute(a);
  }

  function convertAttribute(a: MispAttribute) {
    if (a.deleted) {
      skipped.push({ attributeUuid: a.uuid, type: a.type, reason: 'attribute is soft-deleted in MISP', kind: 'attribute' });
      return;
    }
    if (seenUuids.has(a.uuid)) {
      skipped.push({ attributeUuid: a.uuid, type: a.type, reason: 'duplicate attribute uuid in the event', kind: 'attribute' });
      return;
    }
    seenUuids.add(a.uuid);
    const m = mapAttribute(a.type, a.value, a.uuid);
    const attrTlp = mostRestrictive(eventTlp, tlpFromTags(a.Tag));
    maxTlp = mostRestrictive(maxTlp, attrTlp);
    const marking = markingFor(attrTlp);
    const times = timesOf(a);
    const excluded = galaxyTags(a.Galaxy);
    for (const n of galaxyTags(event.Galaxy)) excluded.add(n);
    const makeCommon = (extraLabels: string[]): Record<string, unknown> => {
      const labels = uniq([
        label('type', a.type),
        ...(a.category ? [label('category', a.category)] : []),
        ...(a.to_ids ? [label('to_ids', 'True')] : []),
        ...tagLabels(a.Tag, excluded),
        ...extraLabels,
      ]);
      return {
        created_by_ref: identityId,
        created: times.created,
        modified: times.created,
        ...(a.comment ? { description: a.comment } : {}),
        ...(a.category ? { kill_chain_phases: [{ kill_chain_name: 'misp-category', phase_name: a.category }] } : {}),
        labels,
      };
    };

    let mainId: string | undefined;
    switch (m.kind) {
      case 'invalid':
        skipped.push({ attributeUuid: a.uuid, type: a.type, reason: `invalid value: ${m.reason}`, kind: 'attribute' });
        return;
      case 'unmapped':
        if (unmappedMode === 'note') {
          const n: StixObject = {
            type: 'note',
            spec_version: '2.1',
            id: `note--${stixUuid(a.uuid)}`,
            created_by_ref: identityId,
            created: times.created,
            modified: times.created,
            abstract: `MISP ${a.type} attribute`,
            content: `MISP attribute type ${a.type}${a.category ? ` (category ${a.category})` : ''}: ${a.value}${a.comment ? `\n\n${a.comment}` : ''}`,
            object_refs: [reportId],
            labels: uniq([label('type', a.type), ...(a.category ? [label('category', a.category)] : []), ...tagLabels(a.Tag, excluded)]),
            ...marking,
          };
          add(n);
          return;
        }
        skipped.push({ attributeUuid: a.uuid, type: a.type, reason: m.reason, kind: 'attribute' });
        return;
      case 'pattern-only':
        if (!a.to_ids) {
          skipped.push({ attributeUuid: a.uuid, type: a.type, reason: m.observableReason, kind: 'attribute' });
          return;
        }
        mainId = emitObservable(a.uuid, true, m.pattern, [], makeCommon([]), times, marking);
        break;
      case 'observable':
        mainId = emitObservable(a.uuid, a.to_ids, m.pattern, m.scos, makeCommon([]), times, marking);
        break;
      case 'sdo': {
        const common = makeCommon([]);
        delete common.kill_chain_phases;
        const sdo: StixObject = { type: m.sdoType, spec_version: '2.1', id: `${m.sdoType}--${stixUuid(a.uuid)}`, ...common, ...m.props, ...marking };
        dropUndefined(sdo);
        add(sdo);
        mainId = sdo.id;
        break;
      }
    }
    const g = convertGalaxies(a.Galaxy, a.uuid);
    const main = out.get(mainId)!;
    if (g.labels.length) main.labels = uniq([...((main.labels as string[] | undefined) ?? []), ...g.labels]);
    for (const target of g.ids) relate(mainId, target);
  }

  // --- objects ---
  for (const o of event.Object) {
    if (o.deleted) {
      skipped.push({ attributeUuid: o.uuid, type: `object:${o.name}`, reason: 'object is soft-deleted in MISP', kind: 'object' });
      continue;
    }
    if (seenUuids.has(o.uuid)) {
      skipped.push({ attributeUuid: o.uuid, type: `object:${o.name}`, reason: 'duplicate uuid in the event', kind: 'object' });
      continue;
    }
    seenUuids.add(o.uuid);
    const m = mapObject(o);
    if (m.kind !== 'observable') {
      skipped.push({ attributeUuid: o.uuid, type: `object:${o.name}`, reason: m.kind === 'invalid' ? `invalid object: ${m.reason}` : m.reason, kind: 'object' });
      continue;
    }
    const liveAttrs = o.Attribute.filter((x) => !x.deleted);
    const toIds = liveAttrs.some((x) => x.to_ids);
    let objTlp: Tlp | null = eventTlp;
    for (const x of liveAttrs) objTlp = mostRestrictive(objTlp, tlpFromTags(x.Tag));
    maxTlp = mostRestrictive(maxTlp, objTlp);
    const times = timesOf(o);
    const galaxies = liveAttrs.flatMap((x) => x.Galaxy);
    const excluded = galaxyTags(galaxies);
    for (const n of galaxyTags(event.Galaxy)) excluded.add(n);
    const meta = o['meta-category'];
    const common: Record<string, unknown> = {
      created_by_ref: identityId,
      created: times.created,
      modified: times.created,
      ...(o.comment ? { description: o.comment } : {}),
      ...(meta ? { kill_chain_phases: [{ kill_chain_name: 'misp-category', phase_name: meta }] } : {}),
      labels: uniq([
        label('name', o.name),
        ...(meta ? [label('meta-category', meta)] : []),
        ...(toIds ? [label('to_ids', 'True')] : []),
        ...liveAttrs.flatMap((x) => tagLabels(x.Tag, excluded)),
      ]),
    };
    const mainId = emitObservable(o.uuid, toIds, m.pattern, m.scos, common, times, markingFor(objTlp));
    for (const x of m.unused) {
      if (x.to_ids) {
        skipped.push({
          attributeUuid: x.uuid,
          type: `${o.name}/${x.object_relation ?? '?'}:${x.type}`,
          reason: `member "${x.object_relation ?? x.type}" of MISP object "${o.name}" is not mapped or has an invalid value`,
          kind: 'object-attribute',
        });
      }
    }
    const g = convertGalaxies(galaxies, o.uuid);
    const main = out.get(mainId)!;
    if (g.labels.length) main.labels = uniq([...((main.labels as string[] | undefined) ?? []), ...g.labels]);
    for (const target of g.ids) relate(mainId, target);
  }

  // --- report ---
  const objectRefs = [...out.keys()];
  if (objectRefs.length === 0) {
    const empty: StixObject = {
      type: 'note',
      spec_version: '2.1',
      id: `note--${stixUuid(event.uuid)}`,
      created_by_ref: identityId,
      created: eventTs,
      modified: eventTs,
      content: 'This MISP Event is empty and contains no attribute, object or galaxy that could be converted.',
      object_refs: [reportId],
    };
    add(empty);
    objectRefs.push(empty.id);
  }
  let published: string;
  if (event.published && event.publish_timestamp) published = isoFromEpoch(event.publish_timestamp);
  else if (event.date) published = new Date(Date.parse(`${event.date}T00:00:00Z`)).toISOString();
  else published = eventTs;
  const reportLabels = uniq([...tagLabels(event.Tag, galaxyTags(event.Galaxy)), ...eventGalaxy.labels]);
  const report: StixObject = {
    type: 'report',
    spec_version: '2.1',
    id: reportId,
    created_by_ref: identityId,
    created: eventTs,
    modified: eventTs,
    name: event.info.trim() || `MISP event ${event.uuid}`,
    published,
    object_refs: objectRefs,
    ...(reportLabels.length ? { labels: reportLabels } : {}),
    external_references: [{ source_name: 'misp', external_id: event.uuid }],
    ...markingFor(eventTlp),
  };

  return {
    objects: [identity, report, ...out.values()],
    reportId,
    tlp: eventTlp,
    maxTlp,
    sharing: sharingFromDistribution(event, eventTlp),
    skipped,
  };
}

/** Result-returning variant: never throws for bad input. */
export function safeMispEventToStix(
  input: unknown,
  opts?: MispToStixOptions,
): { ok: true; value: MispToStixResult } | { ok: false; error: MispValidationError } {
  try {
    return { ok: true, value: mispEventToStix(input, opts) };
  } catch (e) {
    if (e instanceof MispValidationError) return { ok: false, error: e };
    throw e;
  }
}

function dropUndefined(o: StixObject) {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
}
