/**
 * The first object within `depth` property hops of `root` (breadth-first, each object once, typed arrays not entered)
 * for which `matches` holds, or null. For reaching into libraries that keep what we need under minified property
 * names: the engine finds MediaPipe's and TF.js's Emscripten modules this way (their heaps, MediaPipe's output
 * listeners).
 */
export function findWithin<T extends object>(root: unknown, depth: number, matches: (o: object) => boolean): T | null {
  const seen = new Set<unknown>();
  let level: unknown[] = [root];
  for (let d = 0; d <= depth && level.length; d++) {
    const next: unknown[] = [];
    for (const o of level) {
      if (typeof o !== 'object' || o === null || seen.has(o) || ArrayBuffer.isView(o)) continue;
      seen.add(o);
      if (matches(o)) return o as T;
      for (const key of Object.keys(o)) next.push((o as Record<string, unknown>)[key]);
    }
    level = next;
  }
  return null;
}
