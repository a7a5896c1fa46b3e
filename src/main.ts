import { mount } from 'svelte';
import App from './ui/App.svelte';
import { translations } from './app/i18n.svelte.ts';

// The language first (a lazy chunk unless English), so the first screen is not English for a moment.
await translations.start({ storage: pageStorage(), preferred: navigator.languages, root: document.documentElement });
mount(App, { target: document.getElementById('app')! });

/** localStorage, or null where reading the property itself throws (storage blocked by privacy settings). */
function pageStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
