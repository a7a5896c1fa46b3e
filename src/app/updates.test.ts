import { describe, expect, it } from 'vitest';
import type { RegisterSWOptions } from 'virtual:pwa-register';
import { AppUpdates, type RegisterSW, type WorkerContainer } from './updates.svelte.ts';

/** A fake `registerSW` that records its options and the calls to the update function. */
function fakeRegister() {
  const calls = { registered: 0, updates: [] as (boolean | undefined)[] };
  let options: RegisterSWOptions = {};
  const registerSW: RegisterSW = (o) => {
    calls.registered++;
    options = o;
    return async (reload) => {
      calls.updates.push(reload);
    };
  };
  return { calls, registerSW, options: () => options };
}

/** A stand-in for navigator.serviceWorker whose controller the test switches. */
class FakeContainer extends EventTarget {
  controller: ServiceWorker | null = null;
  takeOver(name: string) {
    this.controller = { scriptURL: name } as ServiceWorker;
    this.dispatchEvent(new Event('controllerchange'));
  }
}

function setup() {
  const fake = fakeRegister();
  const container = new FakeContainer();
  let reloads = 0;
  const updates = new AppUpdates({
    loadRegisterSW: async () => fake.registerSW,
    serviceWorker: container as unknown as WorkerContainer,
    reload: () => reloads++,
  });
  return { fake, container, updates, reloads: () => reloads };
}

describe('AppUpdates', () => {
  it('does nothing where service workers are unsupported', async () => {
    let loaded = false;
    const updates = new AppUpdates({
      serviceWorker: null,
      loadRegisterSW: async () => {
        loaded = true;
        return fakeRegister().registerSW;
      },
    });
    await updates.start();
    await updates.applyUpdate();
    expect(loaded).toBe(false);
    expect(updates.needRefresh).toBe(false);
    expect(updates.error).toBeNull();
  });

  it('does nothing in Node by default (no navigator.serviceWorker)', async () => {
    const updates = new AppUpdates();
    await updates.start();
    expect(updates.error).toBeNull();
  });

  it('registers once, however often start() is called', async () => {
    const { fake, updates } = setup();
    await Promise.all([updates.start(), updates.start()]);
    await updates.start();
    expect(fake.calls.registered).toBe(1);
  });

  it('reports offline-ready and a waiting version, and applies it on request', async () => {
    const { fake, updates } = setup();
    await updates.start();
    fake.options().onOfflineReady?.();
    expect(updates.offlineReady).toBe(true);
    fake.options().onNeedRefresh?.();
    expect(updates.needRefresh).toBe(true);
    await updates.applyUpdate();
    expect(fake.calls.updates).toEqual([true]);
    expect(updates.needRefresh).toBe(false);
  });

  it('dismiss() hides both notices without applying anything', async () => {
    const { fake, updates } = setup();
    await updates.start();
    fake.options().onOfflineReady?.();
    fake.options().onNeedRefresh?.();
    updates.dismiss();
    expect([updates.offlineReady, updates.needRefresh]).toEqual([false, false]);
    expect(fake.calls.updates).toEqual([]);
  });

  it('does not reload when the first worker claims the page', async () => {
    const { container, updates, reloads } = setup();
    await updates.start();
    container.takeOver('v1');
    expect(reloads()).toBe(0);
  });

  it('reloads once when a new version takes over, even on the visit that installed the first', async () => {
    const { fake, container, updates, reloads } = setup();
    await updates.start();
    container.takeOver('v1');
    container.takeOver('v2');
    fake.options().onNeedReload?.(); // registerSW's own reload path must not reload twice
    expect(reloads()).toBe(1);
  });

  it('surfaces a registration failure instead of swallowing it', async () => {
    const { fake, updates } = setup();
    await updates.start();
    fake.options().onRegisterError?.(new Error('SecurityError'));
    expect(updates.error).toMatch(/SecurityError/);

    const broken = new AppUpdates({
      serviceWorker: new FakeContainer() as unknown as WorkerContainer,
      loadRegisterSW: () => Promise.reject(new Error('chunk failed to load')),
    });
    await broken.start();
    expect(broken.error).toMatch(/chunk failed to load/);
  });
});
