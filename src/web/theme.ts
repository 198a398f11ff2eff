import { createTheme, defaultVariantColorsResolver, parseThemeColor, type CSSVariablesResolver, type MantineColorsTuple, type VariantColorsResolver } from '@mantine/core';

// A calm navy primary whose working shade (7) gives white text 6:1 contrast, and text colours
// darker than Mantine's defaults so that every "dimmed" line still clears WCAG AA (4.5:1).
const rampart: MantineColorsTuple = ['#eef3fb', '#d9e3f5', '#b0c4ea', '#85a3de', '#6187d4', '#4a75ce', '#3d6ccc', '#264f9e', '#1f4488', '#173a75'];

// Text on Mantine's "light" and "subtle" variants defaults to shade 6 (about 3.5:1 on its tinted
// background). These darker text colours keep alerts, light badges and subtle buttons above 4.5:1.
const DARK_TEXT: Record<string, string> = { red: '#a61e1e', green: '#1e6b34', yellow: '#6f4400', orange: '#7f3d00', blue: '#1a4590', rampart: '#173a75', gray: '#343a40', dark: '#212529' };
const variantColorResolver: VariantColorsResolver = (input) => {
  const r = defaultVariantColorsResolver(input);
  if (input.variant === 'light' || input.variant === 'subtle') {
    const parsed = parseThemeColor({ color: input.color || input.theme.primaryColor, theme: input.theme });
    const text = parsed.isThemeColor ? DARK_TEXT[parsed.color] : undefined;
    if (text) return { ...r, color: text, hoverColor: text };
  }
  return r;
};

export const theme = createTheme({
  variantColorResolver,
  primaryColor: 'rampart',
  primaryShade: 7,
  colors: { rampart },
  focusRing: 'auto',
  // Dialogs and menus appear without animation for people who ask their system for less motion.
  respectReducedMotion: true,
  defaultRadius: 'sm',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  headings: { fontWeight: '650' },
  components: {
    Badge: { defaultProps: { radius: 'sm' } },
    Modal: { defaultProps: { closeButtonProps: { 'aria-label': 'Close dialog' } } },
    Drawer: { defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } },
  },
});

export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': '#4a5360',
    '--mantine-color-placeholder': '#6b7280',
    '--mantine-color-anchor': '#1f4488',
    '--mantine-color-error': '#b02525',
    
  },
  dark: {},
});

/** FIRST TLP 2.0 colours, for when shared information carries a marking. */
export const TLP_COLOURS = {
  CLEAR: { fg: '#000000', bg: '#FFFFFF', border: '#000000' },
  GREEN: { fg: '#33FF00', bg: '#000000', border: '#000000' },
  AMBER: { fg: '#FFC000', bg: '#000000', border: '#000000' },
  'AMBER+STRICT': { fg: '#FFC000', bg: '#000000', border: '#000000' },
  RED: { fg: '#FF2B2B', bg: '#000000', border: '#000000' },
} as const;
export type Tlp = keyof typeof TLP_COLOURS;
