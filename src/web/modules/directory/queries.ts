import { useQuery } from '@tanstack/react-query';
import { api, call } from '../../api';

/** States, DC and territories, for filters and pickers (cached for the session). */
export function useStates() {
  return useQuery({
    queryKey: ['jurisdictions', 'states'],
    queryFn: async () => {
      const kinds = ['state', 'district', 'territory'] as const;
      const pages = await Promise.all(kinds.map((kind) => call(api.GET('/api/jurisdictions', { params: { query: { kind, pageSize: 500 } } }))));
      return pages.flatMap((p) => p.items).sort((a, b) => a.name.localeCompare(b.name));
    },
    staleTime: Infinity,
  });
}

export function useCommunities() {
  return useQuery({ queryKey: ['communities'], queryFn: () => call(api.GET('/api/communities')) });
}
