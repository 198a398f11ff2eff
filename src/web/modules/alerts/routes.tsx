import { Route } from 'react-router';
import { AlertListPage } from './AlertListPage';
import { AlertPage } from './AlertPage';
import { AlertFormPage } from './AlertFormPage';

/** The alert pages under Warning & response (App.tsx calls this inside the signed-in layout). */
export function alertRoutes() {
  return [
    <Route key="alerts" path="warning/alerts" element={<AlertListPage />} />,
    <Route key="alert-new" path="warning/alerts/new" element={<AlertFormPage />} />,
    <Route key="alert" path="warning/alerts/:id" element={<AlertPage />} />,
    <Route key="alert-edit" path="warning/alerts/:id/edit" element={<AlertFormPage />} />,
  ];
}

/** Navigation entries shown under "Warning & response". */
export const ALERT_NAV = [
  { to: '/warning/alerts', label: 'Alerts' },
  { to: '/warning/alerts/new', label: 'Draft an alert' },
  { to: '/warning/picture', label: 'Operating picture' },
];
