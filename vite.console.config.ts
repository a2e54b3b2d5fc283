import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

// The hub console (console/) is built into dist/console and served by the hub at /console/.
export default defineConfig({
  root: fileURLToPath(new URL('./console', import.meta.url)),
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'chrome120',
    chunkSizeWarningLimit: 2000,
    // fonts stay files: the CSP allows fonts from the hub's own origin only (font-src 'self'), never data: URIs
    assetsInlineLimit: (file) => (/\.woff2?$/.test(file) ? false : undefined),
  },
  logLevel: 'warn',
});
