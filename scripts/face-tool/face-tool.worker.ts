/**
 * Dataset tool worker: the extension's own FaceEngine (MediaPipe landmarker, same model and options) and the same
 * alignment and crop code as the engine, run over still images. Answers, per image, the largest face's landmarks,
 * its aligned crop (PNG) and the landmarks mapped into the crop (for self-blending masks in training).
 */
import { alignmentFor, applyAffine } from '../../src/core/face-align';
import { AlignedFaceCropper } from '../../src/engine/face-crop';
import { FaceEngine } from '../../src/engine/face-engine';

declare const self: DedicatedWorkerGlobalScope;

export interface ToolRequest {
  id: number;
  bitmap: ImageBitmap;
}

export interface ToolFace {
  /** 478 x (x, y) in the aligned crop's pixels. */
  alignedLandmarks: number[];
  /** 478 x (x, y) in the image's pixels. */
  landmarksPx: number[];
  pose: { yawDeg: number; pitchDeg: number; rollDeg: number };
  quality: { faceSizePx: number; sharpness: number; brightness: number };
  png: ArrayBuffer;
}

export interface ToolReply {
  id: number;
  width: number;
  height: number;
  faces: number;
  face: ToolFace | null;
  error?: string;
}

const engine = FaceEngine.load(new URL('/engine-assets', self.location.origin).href);
const cropper = new AlignedFaceCropper();
let chain: Promise<void> = Promise.resolve();

self.onmessage = (event: MessageEvent<ToolRequest>) => {
  const { id, bitmap } = event.data;
  chain = chain.then(async () => {
    const reply: ToolReply = { id, width: bitmap.width, height: bitmap.height, faces: 0, face: null };
    try {
      const result = (await engine).analyse(
        { type: 'frame', participantId: 'tool', frameId: id, sampledAt: 0, bitmap, sourceWidth: bitmap.width, sourceHeight: bitmap.height, scoreFaces: null },
        `tool/${id}`,
      );
      (await engine).forget(`tool/${id}`);
      reply.faces = result.faces.length;
      const largest = [...result.faces].sort((p, q) => q.box.width * q.box.height - p.box.width * p.box.height)[0];
      if (largest) {
        const t = alignmentFor(largest.landmarks, bitmap.width, bitmap.height);
        cropper.crop(bitmap, t);
        const alignedLandmarks: number[] = [];
        const landmarksPx: number[] = [];
        for (let i = 0; i < largest.landmarkCount; i++) {
          const px = { x: (largest.landmarks[i * 3] ?? 0) * bitmap.width, y: (largest.landmarks[i * 3 + 1] ?? 0) * bitmap.height };
          const p = applyAffine(t, px);
          alignedLandmarks.push(Math.round(p.x * 100) / 100, Math.round(p.y * 100) / 100);
          landmarksPx.push(px.x, px.y);
        }
        reply.face = { alignedLandmarks, landmarksPx, pose: largest.pose, quality: largest.quality, png: await (await cropper.png()).arrayBuffer() };
      }
    } catch (error) {
      reply.error = String(error);
    } finally {
      bitmap.close();
    }
    self.postMessage(reply, reply.face ? [reply.face.png] : []);
  });
};
