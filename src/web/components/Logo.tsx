/** Rampart's mark: a shield with a rampart line. Decorative (the product name is always beside it). */
export function Logo({ size = 28 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <path d="M16 2 4 6.5v8.2C4 22.3 9.1 28 16 30c6.9-2 12-7.7 12-15.3V6.5L16 2Z" fill="#173a75" />
      <path d="M9 13h3v-2h2.5v2h3v-2H20v2h3v6c0 3-3 5.6-7 6.9-4-1.3-7-3.9-7-6.9v-6Z" fill="#fff" />
    </svg>
  );
}
