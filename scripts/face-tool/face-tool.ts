/**
 * Dataset tool page: fetches images from the local server, decodes them, and hands them to the tool worker.
 * Driven by `scripts/prepare-faces.ts` through `window.processImages`.
 */
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
    const face = reply.face ? { alignedLandmarks: reply.face.alignedLandmarks, pose: reply.face.pose, quality: reply.face.quality, pngBase64: base64(reply.face.png) } : null;
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
(window as unknown as { toolReady: boolean }).toolReady = true;
