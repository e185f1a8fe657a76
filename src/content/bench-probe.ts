/**
 * Per-frame timings for `npm run bench`, kept only in the end-to-end build (`__UNMASK_E2E__`; release builds compile
 * this away). They live in the content script's isolated world, where the page cannot see them; the benchmark reads
 * them over the DevTools protocol.
 */
import type { EngineMemory } from '../shared/types';

export interface BenchRecord {
  participantId: string;
  at: number;
  engineMs: number;
  landmarkMs: number;
  detectorMs: number;
  latencyMs: number;
  faces: number;
  /** The engine worker's memory when it answered (core types: EngineMemory). */
  engineMemory?: EngineMemory;
}

export function recordBench(record: BenchRecord): void {
  if (!__UNMASK_E2E__) return;
  const scope = globalThis as { __unmaskBench?: BenchRecord[] };
  const records = (scope.__unmaskBench ??= []);
  records.push(record);
  if (records.length > 20_000) records.splice(0, 10_000);
}
