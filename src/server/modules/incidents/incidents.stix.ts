import { randomUUID } from 'node:crypto';
import { applyTlp, computeScoId } from '../../../lib/stix/index.ts';
import type { IncidentRow, ObservableRow } from './incidents.repo.ts';

/** The SCO for one extracted observable (deterministic id: the same value gives the same id everywhere). */
export function scoOf(o: { kind: string; value: string }): Record<string, unknown> | null {
  let sco: Record<string, unknown>;
  switch (o.kind) {
    case 'ipv4': sco = { type: 'ipv4-addr', value: o.value }; break;
    case 'ipv6': sco = { type: 'ipv6-addr', value: o.value }; break;
    case 'domain': sco = { type: 'domain-name', value: o.value }; break;
    case 'url': sco = { type: 'url', value: o.value }; break;
    case 'email': sco = { type: 'email-addr', value: o.value }; break;
    case 'md5': sco = { type: 'file', hashes: { MD5: o.value } }; break;
    case 'sha1': sco = { type: 'file', hashes: { 'SHA-1': o.value } }; break;
    case 'sha256': sco = { type: 'file', hashes: { 'SHA-256': o.value } }; break;
    default: return null;
  }
  const id = computeScoId(sco);
  return id ? { ...sco, spec_version: '2.1', id } : null;
}

/**
 * The incident as a STIX 2.1 bundle: an `incident` SDO (its id is the incident's UUID) carrying the
 * report and election context as x_rampart_ properties and the incident's TLP marking; one SCO per
 * observable, each `related-to` the incident; the indicators already shared from it that the reader
 * may see, each with a `sighting` (the reporting organisation saw it in this incident) and an
 * `indicates` relationship to the incident.
 */
export function incidentBundle(inc: IncidentRow, observables: ObservableRow[], indicators: Record<string, unknown>[]): Record<string, unknown> {
  const created = inc.createdAt.toISOString();
  const modified = inc.updatedAt.toISOString();
  const incidentId = `incident--${inc.id}`;
  const custom: Record<string, unknown> = {
    x_rampart_number: inc.ref,
    x_rampart_status: inc.status,
    x_rampart_incident_type: inc.incidentType,
    x_rampart_priority: inc.priority,
    x_rampart_priority_rationale: inc.priorityRationale,
    x_rampart_detected: inc.detectedAt?.toISOString() ?? null,
    x_rampart_functional_impact: inc.functionalImpact,
    x_rampart_information_impact: inc.informationImpact,
    x_rampart_recoverability: inc.recoverability,
    x_rampart_attack_vector: inc.attackVector,
    x_rampart_observed_activity: inc.observedActivity,
    x_rampart_affected_systems: inc.affectedSystems || null,
    x_rampart_election_systems: inc.electionSystems.length ? inc.electionSystems : null,
    x_rampart_election_phase: inc.electionPhase,
    x_rampart_jurisdiction_fips: inc.jurisdictionFips,
  };
  const incident = applyTlp(
    {
      type: 'incident', spec_version: '2.1', id: incidentId, created, modified,
      name: inc.title || `Incident #${inc.ref}`,
      ...(inc.whatHappened ? { description: inc.whatHappened } : {}),
      ...Object.fromEntries(Object.entries(custom).filter(([, v]) => v !== null && v !== undefined)),
    },
    inc.tlp,
  );
  const objects: Record<string, unknown>[] = [incident];
  const rel = (source: string, type: string, target: string) =>
    applyTlp({ type: 'relationship', spec_version: '2.1', id: `relationship--${randomUUID()}`, created: modified, modified, relationship_type: type, source_ref: source, target_ref: target }, inc.tlp);
  const seen = new Set<string>();
  for (const o of observables) {
    const sco = scoOf(o);
    if (!sco || seen.has(sco.id as string)) continue;
    seen.add(sco.id as string);
    objects.push(applyTlp(sco, inc.tlp), rel(sco.id as string, 'related-to', incidentId));
  }
  const seenAt = (inc.submittedAt ?? inc.createdAt).toISOString();
  for (const ind of indicators) {
    objects.push(ind, rel(ind.id as string, 'indicates', incidentId));
    objects.push(applyTlp({ type: 'sighting', spec_version: '2.1', id: `sighting--${randomUUID()}`, created: modified, modified, sighting_of_ref: ind.id, first_seen: seenAt, last_seen: seenAt, count: 1, description: `Seen in Rampart incident #${inc.ref}` }, inc.tlp));
  }
  return { type: 'bundle', id: `bundle--${randomUUID()}`, objects };
}
