// pdfkit is loaded on the first report, not at start: it is the slowest import of the server (start-time budget).
const loadPdfKit = async () => (await import('pdfkit')).default;

/** What the case report prints (the service assembles it from what the reader may see). */
export interface CaseReport {
  incident: {
    ref: number; title: string; status: string; tlp: string; incidentType: string | null; priority: string | null; priorityRationale: string | null;
    whatHappened: string; detectedAt: string | null; occurredAt: string | null; submittedAt: string | null; triagedAt: string | null; resolvedAt: string | null; closedAt: string | null;
    functionalImpact: string | null; informationImpact: string | null; recoverability: string | null; attackVector: string | null; observedActivity: string | null;
    affectedSystems: string; electionSystems: string[]; electionPhase: string | null; jurisdictionFips: string | null;
    sla: { triage: { elapsedMinutes: number; targetMinutes: number; state: string } | null; firstResponse: { elapsedMinutes: number; targetMinutes: number; state: string } | null };
  };
  tasks: { title: string; phase: string | null; dueAt: string | null; doneAt: string | null }[];
  timeline: { at: string; actorName: string; kind: string; body: string }[];
  attachments: { filename: string; size: number; sha256: string; flagged: boolean }[];
  observables: { kind: string; value: string; sharedIndicatorId: string | null }[];
  generatedAt: string;
  generatedBy: string;
}

const TLP_COLOURS: Record<string, string> = { CLEAR: '#FFFFFF', GREEN: '#33FF00', AMBER: '#FFC000', 'AMBER+STRICT': '#FFC000', RED: '#FF2B2B' };
const label = (s: string | null) => (s ? s.replace(/_/g, ' ') : '—');
/** Standard PDF fonts cover WinAnsi only; other characters print as "?" (the text stays text). */
const safe = (s: string) => s.replace(/[^\x09\x0a\x0d\x20-\x7e\u00a0-\u00ff\u2013\u2014\u2018\u2019\u201c\u201d\u2022\u2026]/g, '?');

/** Renders the case report; every string is drawn as text (nothing in it is interpreted). */
export async function renderCaseReport(r: CaseReport): Promise<Buffer> {
  const PDFDocument = await loadPdfKit();
  const doc = new PDFDocument({ size: 'LETTER', margins: { top: 64, bottom: 56, left: 56, right: 56 }, bufferPages: true, info: { Title: safe(`Incident #${r.incident.ref} case report`), Producer: 'Rampart' } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const width = doc.page.width - 112;
  const i = r.incident;

  const heading = (t: string) => {
    doc.moveDown(0.8).font('Helvetica-Bold').fontSize(12).fillColor('#1a3d6d').text(t);
    doc.moveTo(56, doc.y + 2).lineTo(56 + width, doc.y + 2).strokeColor('#1a3d6d').lineWidth(0.5).stroke();
    doc.moveDown(0.4).fillColor('black');
  };
  const field = (k: string, v: string) => {
    doc.font('Helvetica-Bold').fontSize(9).text(`${k}: `, { continued: true }).font('Helvetica').text(safe(v));
  };

  doc.font('Helvetica-Bold').fontSize(18).fillColor('black').text(safe(`Incident #${i.ref}`), { width: width - 130 });
  doc.font('Helvetica').fontSize(13).text(safe(i.title || '(untitled)'), { width: width - 130 });
  doc.moveDown(0.3).fontSize(9).fillColor('#444').text(safe(`Case report generated ${r.generatedAt} for ${r.generatedBy}`)).fillColor('black');

  heading('Status and priority');
  field('Status', label(i.status));
  field('Priority', label(i.priority));
  if (i.priorityRationale) field('Rationale', i.priorityRationale);
  field('Incident type', label(i.incidentType));
  const slaText = (s: CaseReport['incident']['sla']['triage']) => (s ? `${s.elapsedMinutes} min of ${s.targetMinutes} min target (${s.state})` : '—');
  field('Time to triage', slaText(i.sla.triage));
  field('Time to first response', slaText(i.sla.firstResponse));

  heading('Report');
  field('Detected', i.detectedAt ?? '—');
  field('Occurred', i.occurredAt ?? '—');
  field('Submitted', i.submittedAt ?? '—');
  field('Election systems', i.electionSystems.map(label).join(', ') || '—');
  field('Election phase', label(i.electionPhase));
  field('Jurisdiction (FIPS)', i.jurisdictionFips ?? '—');
  field('Functional impact', label(i.functionalImpact));
  field('Information impact', label(i.informationImpact));
  field('Recoverability', label(i.recoverability));
  field('Attack vector', label(i.attackVector));
  field('Observed activity', label(i.observedActivity));
  field('Affected systems', i.affectedSystems || '—');
  doc.moveDown(0.4).font('Helvetica-Bold').fontSize(9).text('What happened');
  doc.font('Helvetica').fontSize(9).text(safe(i.whatHappened || '—'), { width });

  heading(`Tasks (${r.tasks.length})`);
  if (!r.tasks.length) doc.font('Helvetica').fontSize(9).text('No tasks.');
  for (const t of r.tasks) {
    doc.font('Helvetica').fontSize(9).text(safe(`${t.doneAt ? '[x]' : '[ ]'} ${t.title}${t.phase ? ` (${t.phase})` : ''}${t.dueAt ? ` — due ${t.dueAt}` : ''}${t.doneAt ? ` — done ${t.doneAt}` : ''}`), { width });
  }

  heading(`Observables (${r.observables.length})`);
  if (!r.observables.length) doc.font('Helvetica').fontSize(9).text('None extracted.');
  for (const o of r.observables.slice(0, 500)) {
    doc.font('Courier').fontSize(8).text(safe(`${o.kind.padEnd(7)} ${o.value}${o.sharedIndicatorId ? `  (shared: ${o.sharedIndicatorId})` : ''}`), { width });
  }

  heading(`Attachments (${r.attachments.length})`);
  if (!r.attachments.length) doc.font('Helvetica').fontSize(9).text('None.');
  for (const a of r.attachments) {
    doc.font('Helvetica').fontSize(9).text(safe(`${a.filename} — ${a.size} bytes${a.flagged ? ' — FLAGGED' : ''}`), { width });
    doc.font('Courier').fontSize(7).fillColor('#444').text(`sha256 ${a.sha256}`).fillColor('black');
  }

  heading(`Timeline (${r.timeline.length})`);
  for (const e of r.timeline) {
    doc.font('Helvetica-Bold').fontSize(8).text(safe(`${e.at}  ${e.actorName}  ${e.kind}`), { width });
    if (e.body) doc.font('Helvetica').fontSize(9).text(safe(e.body), { width, indent: 12 });
  }

  // TLP label and page numbers on every page.
  const range = doc.bufferedPageRange();
  for (let p = range.start; p < range.start + range.count; p++) {
    doc.switchToPage(p);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0; // writing in the margin must not start a new page
    const tlp = `TLP:${i.tlp}`;
    doc.font('Helvetica-Bold').fontSize(10);
    const w = doc.widthOfString(tlp) + 12;
    const x = doc.page.width - 56 - w;
    doc.save().rect(x, 24, w, 18).fill('#000000').restore();
    doc.fillColor(TLP_COLOURS[i.tlp] ?? '#FFFFFF').text(tlp, x + 6, 28, { lineBreak: false });
    doc.fillColor('#666').font('Helvetica').fontSize(8).text(`Rampart incident #${i.ref} — page ${p - range.start + 1} of ${range.count}`, 56, doc.page.height - 40, { width, align: 'center', lineBreak: false });
    doc.fillColor('black');
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}
