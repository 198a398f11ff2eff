import { Route } from 'react-router';
import { RoomPage } from './RoomPage';
import { ROOM_PATH } from './room';

/** The situation room under Warning & response (App.tsx calls this inside the signed-in layout). */
export function roomRoutes() {
  return [<Route key="room" path={ROOM_PATH.slice(1)} element={<RoomPage />} />];
}

/** Navigation entry shown under "Warning & response". */
export const ROOM_NAV = [{ to: ROOM_PATH, label: 'Situation room' }];
