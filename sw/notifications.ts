/// <reference lib="webworker" />
// The service worker's part of notifications.
// - `push`: the relay's Web Push carries no content (relay/push/sender.ts), so the notification
//   says only that there are new messages. Every push must show one (userVisibleOnly); one tag
//   means a second push replaces the first instead of stacking.
// - `notificationclick`: focus an open Floe window and ask it to open the conversation the
//   notification was about (the page's notifications.svelte.ts listens), or open a new window.
declare const self: ServiceWorkerGlobalScope;

/** The page listens for this (OPEN_MESSAGE in src/app/notifications.svelte.ts; sw imports no app code). */
const OPEN_MESSAGE = 'floe:open-conversation';

export const PUSH_TITLE = 'New message';
export const PUSH_BODY = 'Floe: you have new messages';

self.addEventListener('push', (event) => {
  event.waitUntil(self.registration.showNotification(PUSH_TITLE, { body: PUSH_BODY, tag: 'floe-push', data: { url: '#/chats' } }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const data = event.notification.data as { url?: unknown } | null;
  const url = typeof data?.url === 'string' && data.url.startsWith('#/chats') ? data.url : '#/chats';
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const client = windows[0];
      if (client) {
        await client.focus();
        client.postMessage({ type: OPEN_MESSAGE, url });
        return;
      }
      await self.clients.openWindow(new URL(`/${url}`, self.location.origin).href);
    })(),
  );
});
