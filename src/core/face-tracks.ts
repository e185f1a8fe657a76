import type { Box } from '../shared/types';

export function iou(a: Box, b: Box): number {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.width, b.x + b.width);
  const y2 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Gives each face in a tile a track id that stays with it from frame to frame, so evidence gathered over time belongs
 * to one face even when two people share a camera. Greedy matching by overlap (faces in one tile rarely cross at
 * 5 fps); a track not seen for `maxMissedFrames` frames is dropped, so a face that leaves and comes back later starts
 * a new track rather than inheriting stale evidence.
 */
export class FaceTracker {
  private tracks: { id: number; box: Box; missed: number }[] = [];
  private nextId = 1;

  constructor(
    private readonly minIou = 0.2,
    private readonly maxMissedFrames = 5,
  ) {}

  /** Returns a track id for each box, in the order given. */
  assign(boxes: readonly Box[]): number[] {
    const pairs: { t: number; b: number; score: number }[] = [];
    this.tracks.forEach((track, t) =>
      boxes.forEach((box, b) => {
        const score = iou(track.box, box);
        if (score >= this.minIou) pairs.push({ t, b, score });
      }),
    );
    pairs.sort((p, q) => q.score - p.score);
    const ids: (number | undefined)[] = boxes.map(() => undefined);
    const usedTracks = new Set<number>();
    for (const { t, b } of pairs) {
      if (usedTracks.has(t) || ids[b] !== undefined) continue;
      const track = this.tracks[t];
      const box = boxes[b];
      if (!track || !box) continue;
      usedTracks.add(t);
      ids[b] = track.id;
      track.box = box;
      track.missed = 0;
    }
    this.tracks.forEach((track, t) => {
      if (!usedTracks.has(t)) track.missed++;
    });
    this.tracks = this.tracks.filter((track) => track.missed <= this.maxMissedFrames);
    return boxes.map((box, b) => {
      const known = ids[b];
      if (known !== undefined) return known;
      const id = this.nextId++;
      this.tracks.push({ id, box, missed: 0 });
      return id;
    });
  }

  get activeTracks(): number {
    return this.tracks.length;
  }

  /** The faces being tracked: where each was last seen and how many frames it has been missing since. */
  recent(): { box: Box; missed: number }[] {
    return this.tracks.map((t) => ({ box: t.box, missed: t.missed }));
  }
}
