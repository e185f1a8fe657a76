/**
 * "Blur everyone else": a still keeps the suspicious face sharp and makes the rest of the picture unrecognisable
 * (other people in the tile, the room). Done in the report page before saving, so with the option ticked the sharp
 * original is never stored or exported.
 */
import type { KeyFrame } from '../shared/report-types';

/** The face box is widened by this much on each side, so the blend boundary (hairline, jaw) stays visible. */
const FACE_MARGIN = 0.15;
/** The rest is drawn at 1/BLUR_FACTOR of its size and scaled back up: far stronger than a blur filter alone. */
const BLUR_FACTOR = 16;

/** Through an <img>: the pages' CSP allows data: images but no fetch of data: URLs. */
async function imageOf(dataUrl: string): Promise<ImageBitmap> {
  const img = new Image();
  img.src = dataUrl;
  await img.decode();
  return createImageBitmap(img);
}

export async function blurAllButFace(still: Omit<KeyFrame, 'othersBlurred'>): Promise<string> {
  const image = await imageOf(still.image);
  try {
    const { width, height } = image;
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas');
    const small = document.createElement('canvas');
    small.width = Math.max(1, Math.round(width / BLUR_FACTOR));
    small.height = Math.max(1, Math.round(height / BLUR_FACTOR));
    small.getContext('2d')?.drawImage(image, 0, 0, small.width, small.height);
    ctx.imageSmoothingEnabled = true;
    ctx.filter = 'blur(4px)';
    ctx.drawImage(small, 0, 0, width, height);
    ctx.filter = 'none';
    const b = still.faceBox;
    const x0 = Math.max(0, (b.x - b.width * FACE_MARGIN) * width);
    const y0 = Math.max(0, (b.y - b.height * FACE_MARGIN) * height);
    const x1 = Math.min(width, (b.x + b.width * (1 + FACE_MARGIN)) * width);
    const y1 = Math.min(height, (b.y + b.height * (1 + FACE_MARGIN)) * height);
    if (x1 > x0 && y1 > y0) ctx.drawImage(image, x0, y0, x1 - x0, y1 - y0, x0, y0, x1 - x0, y1 - y0);
    return canvas.toDataURL('image/jpeg', 0.85);
  } finally {
    image.close();
  }
}
