import { TLP_COLOURS, type Tlp } from '../theme';

/** A Traffic Light Protocol marking in the FIRST TLP 2.0 colours. */
export function TlpBadge({ tlp }: { tlp: Tlp }) {
  const c = TLP_COLOURS[tlp];
  return (
    <span style={{ background: c.bg, color: c.fg, border: `1px solid ${c.border}`, padding: '1px 6px', borderRadius: 3, fontWeight: 700, fontSize: 12, letterSpacing: '0.03em', whiteSpace: 'nowrap' }}>
      TLP:{tlp}
    </span>
  );
}
