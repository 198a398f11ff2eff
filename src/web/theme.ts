import { createTheme, type CSSVariablesResolver, type MantineColorsTuple } from '@mantine/core';

// A calm navy primary whose working shade (7) gives white text 6:1 contrast, and text colours
// darker than Mantine's defaults so that every "dimmed" line still clears WCAG AA (4.5:1).
const rampart: MantineColorsTuple = ['#eef3fb', '#d9e3f5', '#b0c4ea', '#85a3de', '#6187d4', '#4a75ce', '#3d6ccc', '#264f9e', '#1f4488', '#173a75'];

export const theme = createTheme({
  primaryColor: 'rampart',
  primaryShade: 7,
  colors: { rampart },
  focusRing: 'auto',
  defaultRadius: 'sm',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  headings: { fontWeight: '650' },
  components: {
    Badge: { defaultProps: { radius: 'sm' } },
  },
});

export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': '#4a5360',
    '--mantine-color-placeholder': '#6b7280',
    '--mantine-color-anchor': '#1f4488',
    
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
