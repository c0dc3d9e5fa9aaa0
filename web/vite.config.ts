// The hub's pages: one folder a page (web/<page>/index.html, served by the hub at /<page>/), built
// into <build>/web by the CMake target `web` (CNSS_WEB_OUT). Shared code is in web/shared/.
import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const here = import.meta.dirname;
const pages = Object.fromEntries(
  readdirSync(here, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(resolve(here, d.name, 'index.html')))
    .map((d) => [d.name, resolve(here, d.name, 'index.html')]),
);

export default defineConfig({
  root: here,
  base: '/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: process.env.CNSS_WEB_OUT ?? resolve(here, '../build/web'),
    emptyOutDir: true,
    // The hub's Content-Security-Policy allows this origin's files only: no inline script, no
    // data: script or style.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    rollupOptions: { input: pages },
  },
});
