// pdfkit is loaded on the first report, not at start: it is the slowest import of the server (start-time budget).
const loadPdfKit = async () => (await import('pdfkit')).default;
import type { AlertRow } from './alerts.repo.ts';
import { ALERT_LEVELS } from './alerts.schemas.ts';

/**
 * The weekly trend report of one community (pdfkit, built-in Helvetica): alerts of the week by
 * level (a bar chart), acknowledgement rate, and the list of alerts. The caller passes only alerts the
 * reader may see.
 */
const COLOUR: Record<string, string> = { Low: '#2e7d32', Guarded: '#1565c0', Elevated: '#f9a825', High: '#ef6c00', Severe: '#b71c1c' };

export async function weeklyReportPdf(d: { communityName: string; from: Date; to: Date; alerts: (AlertRow & { recipients: number; acked: number })[]; generatedAt: Date }): Promise<Buffer> {
  const PDFDocument = await loadPdfKit();
  const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: `Rampart weekly report: ${d.communityName}`, Author: 'Rampart', CreationDate: d.generatedAt } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const day = (x: Date) => x.toISOString().slice(0, 10);
  const strictest = d.alerts.reduce((m, a) => (['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'].indexOf(a.tlp) > ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'].indexOf(m) ? a.tlp : m), 'CLEAR');
  doc.fillColor('#333').fontSize(9).text(`TLP:${strictest}`, { align: 'right' });
  doc.fillColor('#000').fontSize(20).text('Weekly warning and response report');
  doc.fontSize(12).fillColor('#444').text(`${d.communityName} · ${day(d.from)} to ${day(d.to)}`);
  doc.moveDown();

  const counts = ALERT_LEVELS.map((l) => ({ level: l, n: d.alerts.filter((a) => a.level === l).length }));
  const recipients = d.alerts.reduce((s, a) => s + a.recipients, 0);
  const acked = d.alerts.reduce((s, a) => s + a.acked, 0);
  doc.fillColor('#000').fontSize(13).text('Summary');
  doc.fontSize(11).text(`Alerts published: ${d.alerts.length}`);
  doc.text(`Acknowledgements: ${acked} of ${recipients} recipients${recipients ? ` (${Math.round((acked / recipients) * 100)}%)` : ''}`);
  doc.moveDown();

  // Bar chart: alerts by level.
  doc.fontSize(13).text('Alerts by level');
  const top = doc.y + 8;
  const max = Math.max(1, ...counts.map((c) => c.n));
  counts.forEach((c, i) => {
    const y = top + i * 22;
    doc.fillColor('#000').fontSize(10).text(c.level, 50, y + 3, { width: 70 });
    const w = (c.n / max) * 330;
    if (w > 0) doc.rect(125, y, w, 16).fill(COLOUR[c.level] ?? '#888');
    doc.fillColor('#000').text(String(c.n), 125 + w + 6, y + 3);
  });
  doc.x = 50;
  doc.y = top + counts.length * 22 + 16;

  doc.fillColor('#000').fontSize(13).text('Alerts');
  doc.moveDown(0.3);
  if (!d.alerts.length) doc.fontSize(10).fillColor('#444').text('No alerts this week.');
  for (const a of d.alerts) {
    doc.fontSize(10).fillColor(COLOUR[a.level] ?? '#000').text(`${a.level} · TLP:${a.tlp} · ${a.number} · ${day(a.publishedAt ?? a.updatedAt)}`, { continued: false });
    doc.fillColor('#000').fontSize(11).text(a.title);
    if (a.summary) doc.fontSize(9).fillColor('#333').text(a.summary.slice(0, 600));
    doc.fontSize(9).fillColor('#555').text(`Acknowledged by ${a.acked} of ${a.recipients} recipients`);
    doc.moveDown(0.6);
  }
  doc.fontSize(8).fillColor('#777').text(`Generated ${d.generatedAt.toISOString()} by Rampart`, 50, doc.page.height - 60, { lineBreak: false });
  doc.end();
  return done;
}
