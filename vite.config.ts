import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';
import { floeLocales } from './scripts/vite-locales.ts';

// The app is an installable PWA served by the relay. The service worker (sw/sw.ts) precaches the
// built shell so the app opens with no network; the page registers it itself from
// src/app/updates.svelte.ts and asks the user before switching to a new version ('prompt').
export default defineConfig({
  plugins: [
    svelte(),
    floeLocales(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'sw',
      filename: 'sw.ts',
      registerType: 'prompt',
      injectRegister: false,
      // The icons are in globPatterns already; adding them again would list them twice.
      includeManifestIcons: false,
      manifest: {
        name: 'Floe',
        short_name: 'Floe',
        description: 'A local-first messenger. Your chats live on your devices.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#ffffff',
        theme_color: '#1677ff',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      injectManifest: {
        // manifest.webmanifest is not globbed: the plugin adds it to the precache list itself.
        globPatterns: ['**/*.{js,css,html,png,svg}'],
      },
      devOptions: { enabled: false },
    }),
  ],
  build: {
    target: 'es2022',
    sourcemap: false,
    // Everything the first screen imports statically goes into one chunk: left alone, rolldown
    // splits the modules that lazy chunks share with it into ~20 small initial files, which gzip
    // about 5 KB worse in total (bench/bundle-size.ts). Lazy chunks are untouched.
    rolldownOptions: { output: { codeSplitting: { groups: [{ name: 'index', tags: ['$initial'] }] } } },
  },
});
