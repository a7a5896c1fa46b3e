// Vite plugin: turns src/locales/<code>.json (ICU MessageFormat, written by people) into Lingui's
// compiled form at build time, served as the module `virtual:floe-locale/<code>`. The browser then
// ships only @lingui/core's small interpreter and no message parser; each language other than the
// one imported statically (English) becomes its own lazy chunk, precached by the service worker.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileMessageOrThrow } from '@lingui/message-utils/compileMessage';
import type { Plugin } from 'vite';

const PREFIX = 'virtual:floe-locale/';
const RESOLVED = '\0floe-locale:';
export const LOCALES_DIR = fileURLToPath(new URL('../src/locales/', import.meta.url));

/** Compiles one catalog; a message that is not valid ICU fails the build, naming its key. */
export function compileCatalog(json: string, file: string): Record<string, unknown> {
  const source = JSON.parse(json) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(source)) {
    if (typeof text !== 'string') throw new Error(`${file}: "${key}" is not a string`);
    try {
      out[key] = compileMessageOrThrow(text);
    } catch (error) {
      throw new Error(`${file}: "${key}" is not valid ICU MessageFormat: ${String(error)}`);
    }
  }
  return out;
}

export function floeLocales(): Plugin {
  return {
    name: 'floe-locales',
    resolveId(id) {
      if (!id.startsWith(PREFIX)) return null;
      const code = id.slice(PREFIX.length);
      return /^[a-z]{2}$/.test(code) ? RESOLVED + code : null;
    },
    load(id) {
      if (!id.startsWith(RESOLVED)) return null;
      const file = `${LOCALES_DIR}${id.slice(RESOLVED.length)}.json`;
      this.addWatchFile(file);
      return `export default ${JSON.stringify(compileCatalog(readFileSync(file, 'utf8'), file))};`;
    },
  };
}
