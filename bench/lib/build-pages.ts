// Builds the bench pages (bench/baseline/ and bench/catchup/) with Vite's JS API into
// bench/.out/. configFile: false keeps the app's Svelte and PWA plugins out: the baseline page
// must bundle only yjs + y-webrtc, and the catch-up page only the modules it imports.
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
export const OUT_DIR = fileURLToPath(new URL('../.out', import.meta.url));

export async function buildBenchPages(): Promise<void> {
  await build({
    configFile: false,
    root: BENCH_DIR,
    logLevel: 'warn',
    build: {
      outDir: OUT_DIR,
      emptyOutDir: true,
      target: 'es2022',
      sourcemap: false,
      rollupOptions: {
        input: {
          baseline: fileURLToPath(new URL('../baseline/index.html', import.meta.url)),
          catchup: fileURLToPath(new URL('../catchup/index.html', import.meta.url)),
          search: fileURLToPath(new URL('../search/index.html', import.meta.url)),
        },
      },
    },
  });
}
