import { Route } from 'react-router';
import { IntelSearchPage } from './IntelSearchPage';
import { IntelObjectPage } from './IntelObjectPage';

/** The intel pages under Election infrastructure (App.tsx calls this inside the signed-in layout). */
export function intelRoutes() {
  return [
    <Route key="intel" path="infrastructure/intel" element={<IntelSearchPage />} />,
    <Route key="intel-object" path="infrastructure/intel/objects/:id" element={<IntelObjectPage />} />,
  ];
}

/** Navigation entries shown under "Election infrastructure". */
export const INTEL_NAV = [{ to: '/infrastructure/intel', label: 'Threat intel' }];
