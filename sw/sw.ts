/// <reference lib="webworker" />
// Floe's service worker: it makes the app open with no network, and shows notifications
// (notifications.ts: Web Push from the relay, and clicks on a notification).
// - Precaches the built shell (the list Workbox injects at build time) and serves it cache-first.
// - Navigations fall back to the precached index.html, except the relay's own endpoints.
// - Waits for the page to say SKIP_WAITING (the user pressed "Update") before taking over, so a
//   new version never replaces the running one behind the user's back.
// It caches nothing at runtime: the app's data lives in IndexedDB, and relay traffic
// (WebSocket, /v1, /signal) must always go to the network.
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import './notifications.ts';

declare const self: ServiceWorkerGlobalScope;

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

registerRoute(
  new NavigationRoute(createHandlerBoundToURL('index.html'), {
    denylist: [/^\/healthz(?:[/?]|$)/, /^\/signal(?:[/?]|$)/, /^\/v1(?:[/?]|$)/, /^\/metrics(?:[/?]|$)/],
  }),
);

self.addEventListener('message', (event) => {
  if ((event.data as { type?: unknown } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});

// On first install there is no old version to protect, so take control of the open page at once
// (otherwise it stays uncontrolled until its next load). Updates still wait for SKIP_WAITING.
self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});
