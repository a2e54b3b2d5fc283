import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

// The renderer is built into dist/renderer; relative asset paths so Electron's file:// and the browser host both load it.
export default defineConfig({
  root: fileURLToPath(new URL('./renderer', import.meta.url)),
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'chrome120',
    chunkSizeWarningLimit: 2000,
    // fonts stay files: the CSP allows fonts from the app's own origin only (font-src 'self'), never data: URIs
    assetsInlineLimit: (file) => (/\.woff2?$/.test(file) ? false : undefined),
  },
  logLevel: 'warn',
});
