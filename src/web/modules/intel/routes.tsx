import { Route } from 'react-router';
import { IntelSearchPage } from './IntelSearchPage';
import { IntelObjectPage } from './IntelObjectPage';
import { IntelCreatePage } from './IntelCreatePage';
import { IntelIngestJobPage, IntelIngestPage } from './IntelIngestPage';
import { IntelExportPage } from './IntelExportPage';
import { IntelSubscriptionsPage } from './IntelSubscriptionsPage';
import { IntelMispFeedsPage } from './IntelMispFeedsPage';

/** The intel pages under Election infrastructure (App.tsx calls this inside the signed-in layout). */
export function intelRoutes() {
  return [
    <Route key="intel" path="infrastructure/intel" element={<IntelSearchPage />} />,
    <Route key="intel-object" path="infrastructure/intel/objects/:id" element={<IntelObjectPage />} />,
    <Route key="intel-new" path="infrastructure/intel/new" element={<IntelCreatePage />} />,
    <Route key="intel-ingest" path="infrastructure/intel/ingest" element={<IntelIngestPage />} />,
    <Route key="intel-ingest-job" path="infrastructure/intel/ingest/:id" element={<IntelIngestJobPage />} />,
    <Route key="intel-export" path="infrastructure/intel/export" element={<IntelExportPage />} />,
    <Route key="intel-subscriptions" path="infrastructure/intel/subscriptions" element={<IntelSubscriptionsPage />} />,
    <Route key="intel-misp-feeds" path="infrastructure/intel/misp-feeds" element={<IntelMispFeedsPage />} />,
  ];
}

/** Navigation entries shown under "Election infrastructure". */
export const INTEL_NAV = [
  { to: '/infrastructure/intel', label: 'Threat intel' },
  { to: '/infrastructure/intel/new', label: 'Share intel' },
  { to: '/infrastructure/intel/ingest', label: 'Upload a file' },
  { to: '/infrastructure/intel/subscriptions', label: 'TAXII feeds' },
  { to: '/infrastructure/intel/misp-feeds', label: 'MISP feeds' },
];
