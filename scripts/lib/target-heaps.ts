/**
 * The JS heap in use of every target of the extension (service worker, offscreen document, engine worker, engine
 * frames), read over the DevTools protocol from a page's session: `Target.getTargets`, then each target attached
 * (non-flattened, so messages go through `Target.sendMessageToTarget`) and asked `Runtime.getHeapUsage`. For the soak's
 * question "which context holds the memory the extension renderer gains" (docs/benchmarks.md, issue 12).
 */
import type { CDPSession } from 'playwright-core';

interface TargetInfo {
  targetId: string;
  type: string;
  url: string;
}

export interface TargetHeap {
  type: string;
  url: string;
  usedMb: number;
  /** Bytes held outside the JS heap by its objects (ArrayBuffers' backing stores and the like); null where not told. */
  backingMb: number | null;
}

const mb = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;

export async function extensionHeaps(cdp: CDPSession, extensionId: string): Promise<TargetHeap[]> {
  const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: TargetInfo[] };
  const ours = targetInfos.filter((t) => t.url.startsWith(`chrome-extension://${extensionId}/`));
  const out: TargetHeap[] = [];
  for (const target of ours) {
    let sessionId: string | null = null;
    try {
      const attachedTo: { sessionId: string } = await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false });
      const attached = attachedTo.sessionId;
      sessionId = attached;
      const reply = await new Promise<{ usedSize: number; totalSize: number; backingStorageSize?: number } | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), 5000);
        const onMessage = (e: { sessionId: string; message: string }): void => {
          if (e.sessionId !== attached) return;
          const m = JSON.parse(e.message) as { id?: number; result?: { usedSize: number; totalSize: number; backingStorageSize?: number } };
          if (m.id !== 1) return;
          clearTimeout(timer);
          cdp.off('Target.receivedMessageFromTarget', onMessage);
          resolve(m.result ?? null);
        };
        cdp.on('Target.receivedMessageFromTarget', onMessage);
        void cdp.send('Target.sendMessageToTarget', { sessionId: attached, message: JSON.stringify({ id: 1, method: 'Runtime.getHeapUsage' }) }).catch(() => resolve(null));
      });
      if (reply) out.push({ type: target.type, url: target.url.replace(`chrome-extension://${extensionId}/`, ''), usedMb: mb(reply.usedSize), backingMb: reply.backingStorageSize === undefined ? null : mb(reply.backingStorageSize) });
    } catch {
      // A target that went away between listing and attaching: skipped.
    } finally {
      if (sessionId) await cdp.send('Target.detachFromTarget', { sessionId }).catch(() => undefined);
    }
  }
  return out;
}
