import type { ReactNode } from 'react';

/** A quiet label (organisation kind, jurisdiction kind): dark text on a light grey, 10:1 contrast. */
export function Tag({ children }: { children: ReactNode }) {
  return <span className="tag">{children}</span>;
}
