// The landmarker loop of scripts/landmarker-memory.ts: MediaPipe's FaceLandmarker in a worker, as the engine runs it
// (CPU delegate, IMAGE mode), fed frames in one of several ways so that the page's memory can be compared between
// them. Query: mode=bitmap|roi|imagedata|nodetect, sizes=steps|fixed|random, cross=<origin of frames.html>,
// roiAs=canvas|bitmap.
import { FaceLandmarker, FilesetResolver } from '/mp/vision_bundle.mjs';

const q = new URLSearchParams(location.search);
const mode = q.get('mode') ?? 'bitmap';
const sizes =
  q.get('sizes') === 'fixed' ? [640]
  : q.get('sizes') === 'random' ? Array.from({ length: 997 }, (_, i) => 320 + ((i * 7919) % 321))
  : [320, 352, 384, 416, 448, 480, 512, 544, 576, 608, 640];
const src = await createImageBitmap(await (await fetch('./face.png')).blob());
const fileset = await FilesetResolver.forVisionTasks('/assets', true);
const task = new Uint8Array(await (await fetch('/assets/face_landmarker.task')).arrayBuffer());
const landmarker = await FaceLandmarker.createFromOptions(fileset, {
  baseOptions: { modelAssetBuffer: task, delegate: 'CPU' },
  runningMode: 'IMAGE',
  numFaces: 2,
  outputFacialTransformationMatrixes: true,
});
let frames = 0;
let detects = 0;
let found = 0;
const report = () => postMessage({ frames, detects, found });
const detect = (image) => {
  detects++;
  found += landmarker.detect(image).faceLandmarks.length;
};
const roi = new OffscreenCanvas(256, 256);
// The engine's second look: a crop around the face, drawn at 256 px, through the landmarker again.
const secondLook = (bitmap) => {
  const side = 200 + (frames % 60);
  roi.getContext('2d').drawImage(bitmap, 200, 100, side, side, 0, 0, 256, 256);
  if (q.get('roiAs') === 'bitmap') {
    const b = roi.transferToImageBitmap();
    detect(b);
    b.close();
  } else detect(roi);
};

if (q.get('cross')) {
  // Frames made in another renderer process (frames.html) and transferred here, as the content script's are.
  onmessage = (e) => {
    const bitmap = e.data;
    if (mode !== 'nodetect') detect(bitmap);
    if (mode === 'roi') secondLook(bitmap);
    bitmap.close();
    if (++frames % 20 === 0) report();
  };
} else {
  const canvas = new OffscreenCanvas(640, 480);
  const ctx = canvas.getContext('2d');
  for (;;) {
    const w = sizes[frames % sizes.length];
    const h = Math.round(w * 0.75);
    if (mode === 'imagedata') {
      canvas.width = w;
      canvas.height = h;
      ctx.drawImage(src, 0, 0, w, h);
      detect(ctx.getImageData(0, 0, w, h));
    } else {
      const c = new OffscreenCanvas(w, h);
      c.getContext('2d').drawImage(src, 0, 0, w, h);
      const bitmap = c.transferToImageBitmap();
      if (mode !== 'nodetect') detect(bitmap);
      if (mode === 'roi') secondLook(bitmap);
      bitmap.close();
    }
    if (++frames % 20 === 0) report();
    await new Promise((r) => setTimeout(r, 40));
  }
}
