import { useMemo, type KeyboardEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { geoPath } from 'd3-geo';
import { geoAlbersUsaTerritories } from 'd3-composite-projections';
import { feature } from 'topojson-client';
import type { Topology, GeometryCollection } from 'topojson-specification';
import type { Feature, FeatureCollection, Geometry } from 'geojson';
// Served as its own file (hashed, cached): neither the main bundle nor this page's chunk carries it.
import atlasUrl from 'us-atlas/counties-10m.json?url';
import { POSTURE_COLOURS, describeArea, type Area } from './picture';

type Props = { name: string };
type Atlas = Topology<{ states: GeometryCollection<Props>; counties: GeometryCollection<Props> }>;

const W = 960;
const H = 600;

/** The us-atlas topology (Census Bureau boundaries, 1:10m), fetched once per session. */
export function useAtlas() {
  return useQuery({
    queryKey: ['us-atlas'],
    queryFn: async () => {
      const res = await fetch(atlasUrl);
      if (!res.ok) throw new Error(`The map could not be loaded (${res.status})`);
      return (await res.json()) as Atlas;
    },
    staleTime: Infinity,
    gcTime: Infinity,
  });
}

/**
 * A choropleth of the United States (or of one state's counties) drawn in the browser with d3-geo:
 * every area is a focusable button named by its name and posture; Enter or a click calls onSelect.
 * The projection is d3-composite-projections' Albers USA with territories: Alaska, Hawaii, Puerto
 * Rico, the U.S. Virgin Islands, Guam, the Northern Mariana Islands and American Samoa in insets,
 * whose frames are drawn (decoration, hidden from assistive technology).
 */
export function UsMap({ atlas, areas, stateFips, onSelect, selected, label }: {
  atlas: Atlas;
  areas: Area[];
  /** Draw this state's counties instead of the states. */
  stateFips?: string;
  onSelect: (fips: string) => void;
  selected?: string | null;
  label: string;
}) {
  const byFips = useMemo(() => new Map(areas.map((a) => [a.fips, a])), [areas]);
  const shapes = useMemo(() => {
    const states = feature(atlas, atlas.objects.states) as FeatureCollection<Geometry, Props>;
    if (!stateFips) return { features: states.features, fit: states as FeatureCollection<Geometry, Props> };
    const counties = (feature(atlas, atlas.objects.counties) as FeatureCollection<Geometry, Props>).features.filter((f) => String(f.id).startsWith(stateFips));
    const outline = states.features.find((f) => String(f.id) === stateFips);
    return { features: counties, fit: { type: 'FeatureCollection', features: outline ? [outline] : counties } as FeatureCollection<Geometry, Props> };
  }, [atlas, stateFips]);
  const { path, insets } = useMemo(() => {
    const projection = geoAlbersUsaTerritories().fitExtent([[8, 8], [W - 8, H - 8]], shapes.fit);
    return { path: geoPath(projection), insets: stateFips ? null : projection.getCompositionBorders() };
  }, [shapes, stateFips]);

  const onKey = (fips: string) => (e: KeyboardEvent<SVGPathElement>) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect(fips);
    }
  };

  return (
    <svg viewBox={`0 0 ${W} ${H}`} className="picture-map" role="group" aria-label={label}>
      {insets ? <path d={insets} className="picture-insets" fill="none" aria-hidden="true" /> : null}
      {shapes.features.map((f: Feature<Geometry, Props>) => {
        const fips = String(f.id);
        const a = byFips.get(fips);
        const d = path(f);
        if (!d || !a) return null;
        return (
          <path
            key={fips}
            d={d}
            fill={POSTURE_COLOURS[a.posture]}
            className={selected === fips ? 'picture-area picture-area-selected' : 'picture-area'}
            tabIndex={0}
            role="button"
            aria-pressed={stateFips ? selected === fips : undefined}
            aria-label={`${a.name}: ${describeArea(a)}${stateFips ? '' : '. Show its counties'}`}
            data-fips={fips}
            onClick={() => onSelect(fips)}
            onKeyDown={onKey(fips)}
          >
            <title>{`${a.name}: ${a.posture}`}</title>
          </path>
        );
      })}
    </svg>
  );
}
