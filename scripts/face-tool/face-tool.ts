/**
 * Dataset tool page: fetches images from the local server, decodes them, and hands them to the tool worker.
 * Driven by `scripts/prepare-faces.ts` through `window.processImages`.
 */
import { composeSwap } from './crude-swap';
import type { ToolReply } from './face-tool.worker';

const worker = new Worker(new URL('./face-tool.worker.ts', import.meta.url), { type: 'module' });
const waiting = new Map<number, (reply: ToolReply) => void>();
worker.onmessage = (event: MessageEvent<ToolReply>) => {
  waiting.get(event.data.id)?.(event.data);
  waiting.delete(event.data.id);
};
let nextId = 1;

export interface PageResult extends Omit<ToolReply, 'face'> {
  url: string;
  face: (Omit<NonNullable<ToolReply['face']>, 'png'> & { pngBase64: string }) | null;
}

function base64(buffer: ArrayBuffer): string {
  let s = '';
  const bytes = new Uint8Array(buffer);
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

async function processOne(url: string): Promise<PageResult> {
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const bitmap = await createImageBitmap(await response.blob());
    const id = nextId++;
    const reply = await new Promise<ToolReply>((resolve) => {
      waiting.set(id, resolve);
      worker.postMessage({ id, bitmap }, [bitmap]);
    });
    const face = reply.face ? { alignedLandmarks: reply.face.alignedLandmarks, landmarksPx: reply.face.landmarksPx, pose: reply.face.pose, quality: reply.face.quality, pngBase64: base64(reply.face.png) } : null;
    return { ...reply, url, face };
  } catch (error) {
    return { id: 0, url, width: 0, height: 0, faces: 0, face: null, error: String(error) };
  }
}

(window as unknown as { processImages: (urls: string[]) => Promise<PageResult[]> }).processImages = async (urls) => {
  const out: PageResult[] = [];
  for (const url of urls) out.push(await processOne(url));
  return out;
};
async function landmarksOf(bitmap: ImageBitmap): Promise<number[] | null> {
  const id = nextId++;
  const reply = await new Promise<ToolReply>((resolve) => {
    waiting.set(id, resolve);
    worker.postMessage({ id, bitmap }, [bitmap]);
  });
  return reply.face?.landmarksPx ?? null;
}

/** Seek, then wait for the sought frame to be presented: `seeked` alone can leave the previous frame drawable under load. */
function seek(video: HTMLVideoElement, t: number): Promise<void> {
  const seeked = new Promise<void>((resolve) => video.addEventListener('seeked', () => resolve(), { once: true }));
  const presented = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 1000);
    video.requestVideoFrameCallback(() => {
      clearTimeout(timer);
      resolve();
    });
  });
  video.currentTime = t;
  return Promise.all([seeked, presented]).then(() => undefined);
}

/** Frames (PNG, base64) of `targetUrl` from `start` s for `seconds` at `fps`, with the donor's face pasted in. */
(window as unknown as { makeCrudeSwap: unknown }).makeCrudeSwap = async (targetUrl: string, donorUrl: string, start: number, seconds: number, fps: number) => {
  const donor = await createImageBitmap(await (await fetch(donorUrl)).blob());
  const donorLandmarks = await landmarksOf(await createImageBitmap(donor));
  if (!donorLandmarks) throw new Error('no face in the donor image');
  const video = document.createElement('video');
  video.muted = true;
  // From a blob, not the URL: seeking a progressive MP4 needs HTTP range requests, which the tools' server does not
  // answer, and without them every seek shows the first frame.
  video.src = URL.createObjectURL(await (await fetch(targetUrl)).blob());
  await new Promise((resolve, reject) => {
    video.addEventListener('loadeddata', resolve, { once: true });
    video.addEventListener('error', reject, { once: true });
  });
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d')!;
  const frames: string[] = [];
  let swapped = 0;
  for (let k = 0; k < seconds * fps; k++) {
    await seek(video, start + k / fps);
    const frame = await createImageBitmap(video);
    const lm = await landmarksOf(await createImageBitmap(frame));
    if (lm) {
      composeSwap(ctx, frame, lm, donor, donorLandmarks);
      swapped++;
    } else {
      canvas.width = frame.width;
      canvas.height = frame.height;
      ctx.drawImage(frame, 0, 0);
    }
    frame.close();
    frames.push(canvas.toDataURL('image/png').slice('data:image/png;base64,'.length));
  }
  return { frames, swapped };
};

(window as unknown as { toolReady: boolean }).toolReady = true;
