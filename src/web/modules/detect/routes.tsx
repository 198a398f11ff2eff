import { Route } from 'react-router';
import { DetectRunPage, DetectUploadPage } from './DetectUploadPage';
import { DetectHitsPage } from './DetectHitsPage';
import { DetectRunsPage } from './DetectRunsPage';
import { DetectSightingsPage } from './DetectSightingsPage';

/** The detection pages under Election infrastructure (App.tsx calls this inside the signed-in layout). */
export function detectRoutes() {
  return [
    <Route key="detect" path="infrastructure/detect" element={<DetectUploadPage />} />,
    <Route key="detect-hits" path="infrastructure/detect/hits" element={<DetectHitsPage />} />,
    <Route key="detect-runs" path="infrastructure/detect/runs" element={<DetectRunsPage />} />,
    <Route key="detect-run" path="infrastructure/detect/runs/:id" element={<DetectRunPage />} />,
    <Route key="detect-sightings" path="infrastructure/detect/sightings" element={<DetectSightingsPage />} />,
  ];
}

/** Navigation entries under "Election infrastructure"; `hubOnly` ones are shown to hub members. */
export const DETECT_NAV = [
  { to: '/infrastructure/detect', label: 'Check my logs' },
  { to: '/infrastructure/detect/hits', label: 'Detections' },
  { to: '/infrastructure/detect/runs', label: 'Past log checks' },
  { to: '/infrastructure/detect/sightings', label: 'Sightings across organisations', hubOnly: true },
];
export const detectNav = (isHub: boolean) => DETECT_NAV.filter((d) => !d.hubOnly || isHub);
