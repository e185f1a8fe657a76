/**
 * Chromium's own account of a process's memory, allocator by allocator (its "memory-infra" dumps: malloc and
 * PartitionAlloc's partitions, V8 and Oilpan heaps per thread, Skia, GPU and shared-image memory, ...), read over the
 * DevTools protocol: a trace of the `disabled-by-default-memory-infra` category with one dump requested in it.
 *
 * For the soak's question (issue 12): /proc says the extension renderer grows by anonymous memory, and V8's heaps do
 * not; the dump says which allocator of that process holds it.
 */
import type { CDPSession } from 'playwright-core';

/** Bytes by allocator name ("malloc", "partition_alloc/partitions/buffer", "v8/workers/...") for one process. */
export type AllocatorSizes = Map<string, number>;

interface TraceEvent {
  ph?: string;
  pid?: number;
  args?: { dumps?: { allocators?: Record<string, { attrs?: Record<string, { units?: string; value?: string }> }> } };
}

/** One detailed dump of every process; its allocators' `size` by process id. */
export async function memoryDump(cdp: CDPSession): Promise<Map<number, AllocatorSizes>> {
  const events: TraceEvent[] = [];
  const onData = (e: { value: TraceEvent[] }): void => {
    for (const ev of e.value) if (ev.ph === 'v') events.push(ev);
  };
  cdp.on('Tracing.dataCollected', onData);
  try {
    // No periodic dumps (an empty trigger list; the protocol's typing says a string map, Chromium reads the list).
    const memoryDumpConfig = { triggers: [] } as unknown as Record<string, string>;
    await cdp.send('Tracing.start', {
      transferMode: 'ReportEvents',
      traceConfig: { includedCategories: ['disabled-by-default-memory-infra'], excludedCategories: ['*'], memoryDumpConfig },
    });
    const dumped = (await cdp.send('Tracing.requestMemoryDump', { deterministic: false, levelOfDetail: 'detailed' })) as { success: boolean };
    const complete = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
    await cdp.send('Tracing.end');
    await complete;
    if (!dumped.success) throw new Error('Chromium did not complete the memory dump');
  } finally {
    cdp.off('Tracing.dataCollected', onData);
  }
  const byPid = new Map<number, AllocatorSizes>();
  for (const ev of events) {
    const allocators = ev.args?.dumps?.allocators;
    if (ev.pid === undefined || !allocators) continue;
    const sizes = byPid.get(ev.pid) ?? new Map<string, number>();
    for (const [name, node] of Object.entries(allocators)) {
      const size = node.attrs?.['size'];
      if (size?.units === 'bytes' && size.value) sizes.set(name, parseInt(size.value, 16));
    }
    byPid.set(ev.pid, sizes);
  }
  return byPid;
}

/**
 * The allocators that changed most between two dumps of one process, at most `depth` levels deep ("a/b" is depth 2),
 * largest change first. Children are listed beside their parents so that a change can be followed down.
 */
export function largestChanges(before: AllocatorSizes, after: AllocatorSizes, depth = 3, count = 25): { name: string; beforeMb: number; afterMb: number; changeMb: number }[] {
  const mb = (b: number): number => Math.round((b / 2 ** 20) * 10) / 10;
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names]
    .filter((n) => n.split('/').length <= depth)
    .map((name) => {
      const a = before.get(name) ?? 0;
      const b = after.get(name) ?? 0;
      return { name, beforeMb: mb(a), afterMb: mb(b), changeMb: mb(b - a) };
    })
    .sort((x, y) => Math.abs(y.changeMb) - Math.abs(x.changeMb))
    .slice(0, count);
}
