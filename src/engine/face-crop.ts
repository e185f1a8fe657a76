/**
 * Draws the aligned face crop that the face-swap detector sees, from a frame and its alignment transform
 * (`core/face-align`). Runs wherever an OffscreenCanvas exists: the engine worker at run time, and the dataset tool
 * (`scripts/face-tool/`) when training crops are made, so both produce the same pixels from the same frame.
 */
import { ALIGNED_SIZE, type Affine } from '../core/face-align';

export class AlignedFaceCropper {
  private readonly canvas: OffscreenCanvas;
  private readonly ctx: OffscreenCanvasRenderingContext2D;

  constructor(readonly size = ALIGNED_SIZE) {
    this.canvas = new OffscreenCanvas(size, size);
    const ctx = this.canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('no 2D canvas context for face crops');
    this.ctx = ctx;
  }

  /** The crop as RGBA pixels. Parts of the crop outside the frame are black (a face at the frame's edge). */
  crop(source: CanvasImageSource, t: Affine): ImageData {
    const { ctx, size } = this;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, size, size);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'medium';
    ctx.setTransform(t.a, t.b, t.c, t.d, t.e, t.f);
    ctx.drawImage(source, 0, 0);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    return ctx.getImageData(0, 0, size, size);
  }

  /** The last crop as a PNG (lossless: training reads exactly these pixels). */
  png(): Promise<Blob> {
    return this.canvas.convertToBlob({ type: 'image/png' });
  }
}
