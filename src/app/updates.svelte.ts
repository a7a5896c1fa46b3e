// App updates: registers the service worker (sw/sw.ts) and tells the UI when the app works
// offline and when a new version is waiting. The new version only takes over when the user asks
// (`applyUpdate`): the worker then skips waiting, and the page reloads once it is in control.
//
// Invariants: nothing happens at import time; `start()` registers at most once and does nothing
// where service workers are unsupported (Node, SSR, old browsers, insecure origins); the only
// requests it causes are to the app's own origin (/sw.js and the precached shell).
//
// Why a reload of our own: registerSW reloads on takeover only when the page was already
// controlled when it registered. On a first visit that stays open until a new version arrives,
// the page would keep running old code under the new worker after "Update". So any change from
// one controlling worker to another (this tab's "Update" or another tab's) reloads the page, once.
import { t } from './i18n.svelte.ts';
import type { RegisterSWOptions } from 'virtual:pwa-register';

/** `registerSW` from `virtual:pwa-register`; returns the function that activates a waiting worker. */
export type RegisterSW = (options: RegisterSWOptions) => (reloadPage?: boolean) => Promise<void>;

/** The part of `navigator.serviceWorker` this module uses. */
export type WorkerContainer = Pick<ServiceWorkerContainer, 'controller' | 'addEventListener'>;

export interface AppUpdatesDeps {
  /** Loads `registerSW`. By default the plugin's virtual module, loaded lazily. */
  loadRegisterSW?: () => Promise<RegisterSW>;
  /** `navigator.serviceWorker`, or null where service workers are unsupported. */
  serviceWorker?: WorkerContainer | null;
  reload?: () => void;
}

const defaultLoad = async (): Promise<RegisterSW> => (await import('virtual:pwa-register')).registerSW;

function defaultContainer(): WorkerContainer | null {
  return typeof navigator !== 'undefined' && 'serviceWorker' in navigator ? navigator.serviceWorker : null;
}

export class AppUpdates {
  /** The shell is cached: the app now opens with no network. */
  offlineReady = $state(false);
  /** A new version is installed and waiting; show "A new version of Floe is available" / "Update". */
  needRefresh = $state(false);
  /** Why registration failed, for the user to see; null when all is well. */
  error = $state<string | null>(null);

  readonly #load: () => Promise<RegisterSW>;
  readonly #container: WorkerContainer | null;
  readonly #reload: () => void;
  #started: Promise<void> | null = null;
  #update: ((reloadPage?: boolean) => Promise<void>) | null = null;
  #reloading = false;

  constructor(deps: AppUpdatesDeps = {}) {
    this.#load = deps.loadRegisterSW ?? defaultLoad;
    this.#container = deps.serviceWorker === undefined ? defaultContainer() : deps.serviceWorker;
    this.#reload = deps.reload ?? (() => location.reload());
  }

  /** Registers the service worker. Idempotent; resolves once registration has been requested. */
  start(): Promise<void> {
    this.#started ??= this.#register();
    return this.#started;
  }

  /** Activates the waiting version; the page reloads when it takes control. */
  async applyUpdate(): Promise<void> {
    if (!this.#update) return;
    this.needRefresh = false;
    await this.#update(true);
  }

  /** Hides the notices; a waiting version stays waiting until the next visit or `applyUpdate`. */
  dismiss(): void {
    this.offlineReady = false;
    this.needRefresh = false;
  }

  async #register(): Promise<void> {
    const container = this.#container;
    if (!container) return;
    let controller = container.controller;
    container.addEventListener('controllerchange', () => {
      // null → worker is the first install claiming this page: nothing to reload.
      if (controller) this.#reloadOnce();
      controller = container.controller;
    });
    try {
      const registerSW = await this.#load();
      // Not `immediate`: registration waits for the page's load event so it never competes with
      // the app's own start-up requests.
      this.#update = registerSW({
        onOfflineReady: () => {
          this.offlineReady = true;
        },
        onNeedRefresh: () => {
          this.needRefresh = true;
        },
        onNeedReload: () => this.#reloadOnce(),
        onRegisterError: (e: unknown) => {
          this.error = describe(e);
        },
      });
    } catch (e) {
      this.error = describe(e);
    }
  }

  #reloadOnce(): void {
    if (this.#reloading) return;
    this.#reloading = true;
    this.#reload();
  }
}

function describe(e: unknown): string {
  return t('problem.offlineSupport', { error: e instanceof Error ? e.message : String(e) });
}
