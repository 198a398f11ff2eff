import { Route } from 'react-router';
import { IncidentListPage } from './IncidentListPage';
import { IncidentReportPage } from './IncidentReportPage';
import { IncidentCasePage } from './IncidentCasePage';
import { EscalationPage } from './EscalationPage';

/** The incident-response pages under Election infrastructure (App.tsx calls this inside the signed-in layout). */
export function incidentRoutes() {
  return [
    <Route key="incidents" path="infrastructure/incidents" element={<IncidentListPage />} />,
    <Route key="incident-report" path="infrastructure/incidents/report/:id?" element={<IncidentReportPage />} />,
    <Route key="incident-escalations" path="infrastructure/incidents/escalations/:escId?" element={<EscalationPage />} />,
    <Route key="incident" path="infrastructure/incidents/:id" element={<IncidentCasePage />} />,
  ];
}

/** Navigation entries shown under "Election infrastructure". */
export const INCIDENT_NAV = [
  { to: '/infrastructure/incidents', label: 'Incidents' },
  { to: '/infrastructure/incidents/report', label: 'Report an incident' },
  { to: '/infrastructure/incidents/escalations', label: 'Escalated to you' },
];
