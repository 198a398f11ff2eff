import { lazy, Suspense } from 'react';
import { Route } from 'react-router';
import { Loading } from '../../components/Loading';

// The map (d3-geo, topojson) and the charts (recharts) load with this page only, not with the app.
const PicturePage = lazy(() => import('./PicturePage'));

/** The operating picture under Warning & response (App.tsx calls this inside the signed-in layout). */
export function pictureRoutes() {
  return [
    <Route key="picture" path="warning/picture" element={<Suspense fallback={<Loading />}><PicturePage /></Suspense>} />,
  ];
}
