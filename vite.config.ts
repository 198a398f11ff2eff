import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The web UI: index.html at the root, sources in src/web, built into dist/web (served by the
// server with an SPA fallback). `npx vite` serves it on :5173 and proxies /api to a running server.
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist/web', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1200 },
  server: {
    port: 5173,
    proxy: { '/api': { target: process.env.RAMPART_API ?? 'http://127.0.0.1:8090', changeOrigin: false } },
  },
});
