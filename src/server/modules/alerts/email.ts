import type { MailMessage } from '../../core/mail.ts';
import type { AlertOut } from './alerts.schemas.ts';
import { escapeHtml, markdownToText } from './markdown.ts';

/** Alert mail: HTML and plain text, with signed acknowledgement links (no sign-in needed). */
const LEVEL_COLOUR: Record<string, string> = { Low: '#2e7d32', Guarded: '#1565c0', Elevated: '#f9a825', High: '#ef6c00', Severe: '#b71c1c' };

/** The alert's page in the web UI (links in mail and feeds). */
export const alertPageUrl = (publicUrl: string, id: string) => `${publicUrl}/warning/alerts/${id}`;

/**
 * Alert mail for one alert: everything but the recipient and their signed links is built once (the
 * Markdown body is rendered to text once, not per recipient); the returned function fills those in.
 */
export function alertEmailFor(a: AlertOut, o: { publicUrl: string; update: boolean }): (to: { name: string; email: string }, ackToken: string) => MailMessage {
  const view = alertPageUrl(o.publicUrl, a.id);
  const subject = `${o.update ? '[Update] ' : ''}[TLP:${a.tlp}] [${a.level}] ${a.number}: ${a.title}`;
  const actions = a.recommendedActions.map((x, i) => `${i + 1}. ${x}`).join('\n');
  const textHead = [
    `TLP:${a.tlp} — ${a.level} — ${a.number}${o.update ? ` (revision ${a.revision})` : ''}`,
    a.title, '', a.summary, '', markdownToText(a.body),
    actions ? `\nRecommended actions:\n${actions}` : '',
    '', `Read it in Rampart: ${view}`,
  ].join('\n');
  const htmlHead = `<!doctype html><html><body style="font-family:sans-serif;max-width:640px">
<p style="font-weight:bold;color:${LEVEL_COLOUR[a.level] ?? '#000'}">TLP:${escapeHtml(a.tlp)} · ${escapeHtml(a.level)} · ${escapeHtml(a.number)}${o.update ? ` · revision ${a.revision}` : ''}</p>
<h1 style="font-size:20px">${escapeHtml(a.title)}</h1>
<p>${escapeHtml(a.summary)}</p>
<div>${a.bodyHtml}</div>
${a.recommendedActions.length ? `<h2 style="font-size:16px">Recommended actions</h2><ol>${a.recommendedActions.map((x) => `<li>${escapeHtml(x)}</li>`).join('')}</ol>` : ''}
<p><a href="${escapeHtml(view)}">Read it in Rampart</a></p>`;
  const headers = { 'X-Rampart-Alert': a.number, 'X-Rampart-TLP': a.tlp };
  return (to, ackToken) => {
    const link = (status: string) => `${o.publicUrl}/alerts/ack?token=${encodeURIComponent(ackToken)}&status=${status}`;
    const text = [textHead, '', 'Acknowledge:', `  Received: ${link('received')}`, `  Actioned: ${link('actioned')}`, `  Not applicable: ${link('not_applicable')}`, '', `Handle according to TLP:${a.tlp}.`].join('\n');
    const html = `${htmlHead}
<p>Acknowledge: <a href="${escapeHtml(link('received'))}">Received</a> · <a href="${escapeHtml(link('actioned'))}">Actioned</a> · <a href="${escapeHtml(link('not_applicable'))}">Not applicable</a></p>
<p style="color:#555">Handle according to TLP:${escapeHtml(a.tlp)}.</p></body></html>`;
    return { to: to.email, subject, text, html, headers: { ...headers } };
  };
}

/** The daily digest (never carries Severe alerts) with an unsubscribe link. */
export function digestEmail(alerts: AlertOut[], to: { name: string; email: string }, o: { publicUrl: string; unsubscribeToken: string }): MailMessage {
  const unsub = `${o.publicUrl}/alerts/unsubscribe?token=${encodeURIComponent(o.unsubscribeToken)}`;
  const strictest = alerts.map((a) => a.tlp).sort((x, y) => ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'].indexOf(y) - ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'].indexOf(x))[0];
  const text = [`Rampart daily digest: ${alerts.length} alert${alerts.length === 1 ? '' : 's'} (strictest TLP:${strictest})`, '',
    ...alerts.map((a) => `- [TLP:${a.tlp}] [${a.level}] ${a.number}: ${a.title}\n  ${a.summary}\n  ${alertPageUrl(o.publicUrl, a.id)}`),
    '', `Stop digest mail: ${unsub}`].join('\n');
  const html = `<!doctype html><html><body style="font-family:sans-serif;max-width:640px"><h1 style="font-size:18px">Rampart daily digest</h1><ul>${alerts
    .map((a) => `<li><strong>TLP:${escapeHtml(a.tlp)} · ${escapeHtml(a.level)} · ${escapeHtml(a.number)}</strong> <a href="${escapeHtml(`${alertPageUrl(o.publicUrl, a.id)}`)}">${escapeHtml(a.title)}</a><br>${escapeHtml(a.summary)}</li>`)
    .join('')}</ul><p style="color:#555"><a href="${escapeHtml(unsub)}">Stop digest mail</a></p></body></html>`;
  return { to: to.email, subject: `[TLP:${strictest}] Rampart daily digest: ${alerts.length} alert${alerts.length === 1 ? '' : 's'}`, text, html, headers: { 'List-Unsubscribe': `<${unsub}>` } };
}

/**
 * Escalation to an organisation's 24x7 contacts. Contacts are not accounts, so the mail carries the
 * alert's number, level and title only — never its body — and asks them to sign in.
 */
export function escalationEmail(a: { id: string; number: string; title: string; level: string }, orgName: string, to: string[], publicUrl: string): MailMessage {
  const text = `${orgName} has not acknowledged ${a.level} alert ${a.number} ("${a.title}").\n\nPlease make sure someone on duty signs in to Rampart, reads it and acknowledges it:\n${alertPageUrl(publicUrl, a.id)}\n`;
  const html = `<!doctype html><html><body style="font-family:sans-serif"><p><strong>${escapeHtml(orgName)}</strong> has not acknowledged <strong>${escapeHtml(a.level)}</strong> alert ${escapeHtml(a.number)} (“${escapeHtml(a.title)}”).</p><p>Please make sure someone on duty <a href="${escapeHtml(alertPageUrl(publicUrl, a.id))}">signs in to Rampart</a>, reads it and acknowledges it.</p></body></html>`;
  return { to, subject: `[Escalation] ${a.level} alert ${a.number} not acknowledged`, text, html };
}
