/**
 * The guard around Unmask's elements in a call page (content/guarded-host), in happy-dom: a page that removes the
 * host or changes its style gets it back, within the budget, and a page that fights in a loop does not get a loop.
 */
import { Window } from 'happy-dom';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GuardedHost, hostTagName } from '../../src/content/guarded-host';

let window: Window;
let document: Document;
let lifetime: AbortController;

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 0)); // MutationObserver callbacks run after

beforeEach(() => {
  window = new Window();
  document = window.document as unknown as Document;
  vi.stubGlobal('MutationObserver', window.MutationObserver);
  lifetime = new AbortController();
});

afterEach(async () => {
  lifetime.abort();
  vi.unstubAllGlobals();
  await window.happyDOM.close();
});

const make = (options = {}): GuardedHost => new GuardedHost(document, { position: 'fixed', display: 'block' }, lifetime.signal, options);

describe('GuardedHost', () => {
  it('uses a random, neutral custom-element name, the same for the whole page', () => {
    const host = make();
    expect(host.element.localName).toBe(hostTagName());
    expect(host.element.localName).toMatch(/^[a-z]{4}-[a-z]{6}$/);
    expect(host.element.localName).not.toMatch(/unmask/);
    expect(host.element.parentNode).toBe(document.documentElement);
  });

  it('sets its style inline with !important', () => {
    const host = make();
    expect(host.element.style.getPropertyPriority('display')).toBe('important');
    expect(host.element.style.getPropertyValue('position')).toBe('fixed');
    host.setStyle('left', '12px');
    expect(host.element.style.getPropertyValue('left')).toBe('12px');
    expect(host.element.style.getPropertyPriority('left')).toBe('important');
  });

  it('puts itself back when the page removes it', async () => {
    const host = make();
    host.element.remove();
    expect(host.element.isConnected).toBe(false); // the removal happened
    await settle();
    expect(host.element.isConnected).toBe(true);
    expect(host.counts.reattached).toBe(1);
  });

  it('puts its style back when the page edits it, and leaves its own edits alone', async () => {
    const host = make();
    host.setStyle('left', '5px');
    await settle();
    expect(host.counts.restyled).toBe(0); // our own change is not taken for the page's
    host.element.style.setProperty('display', 'none', 'important');
    expect(host.element.style.getPropertyValue('display')).toBe('none'); // the edit happened
    await settle();
    expect(host.element.style.getPropertyValue('display')).toBe('block');
    expect(host.element.style.getPropertyValue('left')).toBe('5px');
    expect(host.counts.restyled).toBe(1);
  });

  it('stops fighting a page that removes it in a loop, and tells its owner once', async () => {
    const onGiveUp = vi.fn();
    const host = make({ budget: { max: 3, windowMs: 60_000 }, onGiveUp });
    for (let i = 0; i < 20; i++) {
      host.element.remove();
      await settle();
    }
    expect(host.counts.reattached).toBe(3);
    expect(host.counts.refused).toBeGreaterThan(0);
    expect(host.element.isConnected).toBe(false);
    expect(onGiveUp).toHaveBeenCalledTimes(1);
  });

  it('comes back on the next update once the budget has room again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const host = make({ budget: { max: 1, windowMs: 1000 } });
      host.element.remove();
      await settle();
      host.element.remove();
      await settle();
      expect(host.element.isConnected).toBe(false);
      host.ensure(); // still within the window
      expect(host.element.isConnected).toBe(false);
      vi.setSystemTime(Date.now() + 1500);
      host.ensure();
      expect(host.element.isConnected).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('hands a removal to its owner instead when asked (an iframe put back would reload)', async () => {
    const onRemoved = vi.fn();
    const host = make({ onRemoved });
    host.element.remove();
    await settle();
    expect(onRemoved).toHaveBeenCalledTimes(1);
    expect(host.element.isConnected).toBe(false);
  });

  it('goes away with its signal and is not put back', async () => {
    const host = make();
    lifetime.abort();
    await settle();
    expect(host.element.isConnected).toBe(false);
  });
});
