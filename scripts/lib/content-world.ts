import type { CDPSession, Page } from 'playwright-core';

/**
 * The content script's isolated world of a page, over the DevTools protocol (the bench probe keeps its records there,
 * where the page cannot see them). Attach before the page navigates, so that the world's creation is seen.
 */
export async function attachContentWorld(page: Page): Promise<{ cdp: CDPSession; contexts: Map<number, string> }> {
  const cdp = await page.context().newCDPSession(page);
  const contexts = new Map<number, string>();
  cdp.on('Runtime.executionContextCreated', (e: { context: { id: number; name: string } }) => contexts.set(e.context.id, e.context.name));
  cdp.on('Runtime.executionContextDestroyed', (e: { executionContextId: number }) => contexts.delete(e.executionContextId));
  await cdp.send('Runtime.enable');
  return { cdp, contexts };
}

/** Evaluates in the content script's isolated world (where the bench probe keeps its records). */
export async function contentScriptEval<T>(cdp: CDPSession, contexts: Map<number, string>, expression: string): Promise<T> {
  const id = [...contexts].find(([, name]) => name.startsWith('Unmask'))?.[0];
  if (id === undefined) throw new Error('the Unmask content script world was not found in the page');
  const { result } = (await cdp.send('Runtime.evaluate', { contextId: id, expression, returnByValue: true })) as { result: { value: T } };
  return result.value;
}
