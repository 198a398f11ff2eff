import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { api, ApiError, call, setCsrfToken, type Me } from './api';
import { Loading } from './components/Loading';

/** The signed-in person, or null when signed out (a pending MFA step counts as signed out here). */
export function useMe() {
  return useQuery({
    queryKey: ['me'],
    queryFn: async (): Promise<Me | null> => {
      try {
        const me = await call(api.GET('/api/auth/me'));
        setCsrfToken(me.csrfToken);
        return me;
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return null;
        throw e;
      }
    },
    staleTime: 60_000,
  });
}

/** The signed-in person (only inside <RequireAuth>). */
export function useCurrentMe(): Me {
  const { data } = useMe();
  if (!data) throw new Error('useCurrentMe outside RequireAuth');
  return data;
}

export const isAdmin = (me: Me) => me.platformAdmin || me.role === 'org_admin';

export function RequireAuth({ children }: { children: ReactNode }) {
  const { data, isPending, error } = useMe();
  const loc = useLocation();
  if (isPending) return <Loading label="Checking your session" />;
  if (error) return <Loading label={`Rampart could not be reached (${error.message}). Retrying`} />;
  if (!data) return <Navigate to={`/sign-in?next=${encodeURIComponent(loc.pathname + loc.search)}`} replace />;
  return children;
}

/**
 * After sign-in, sign-out or switching organisation: refetch everything. `me` is refetched even where
 * nothing shows it (the sign-in page): otherwise the page navigated to next found the cached "signed out"
 * from before, sent the person back to sign-in for a moment, and only came back once that page saw the
 * session.
 */
export function useResetSession() {
  const qc = useQueryClient();
  return async () => {
    qc.removeQueries({ predicate: (q) => q.queryKey[0] !== 'me' });
    await qc.invalidateQueries({ queryKey: ['me'], refetchType: 'all' });
  };
}
