// The worker of scripts/make-landmark-fixture.ts (capture.html starts it; MediaPipe in a worker, as the engine runs
// it): the FaceLandmarker as the engine configures it, with the protobuf bytes its wasm module hands to JavaScript
// copied on their way to tasks-vision's own decoding, and that decoding's results beside them, for two stills (one
// face; two faces).
import { FaceLandmarker, FilesetResolver } from '/mp/vision_bundle.mjs';

function findModule(root, depth) {
  const seen = new Set();
  let level = [root];
  for (let d = 0; d <= depth && level.length; d++) {
    const next = [];
    for (const o of level) {
      if (typeof o !== 'object' || o === null || seen.has(o) || ArrayBuffer.isView(o)) continue;
      seen.add(o);
      if (o.simpleListeners && 'face_landmarks' in o.simpleListeners) return o;
      for (const k of Object.keys(o)) next.push(o[k]);
    }
    level = next;
  }
  return null;
}
const b64 = (bytes) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''));
try {
  const fileset = await FilesetResolver.forVisionTasks('/assets', true);
  const task = new Uint8Array(await (await fetch('/assets/face_landmarker.task')).arrayBuffer());
  const landmarker = await FaceLandmarker.createFromOptions(fileset, {
    baseOptions: { modelAssetBuffer: task, delegate: 'CPU' },
    runningMode: 'IMAGE',
    numFaces: 4,
    outputFacialTransformationMatrixes: true,
    outputFaceBlendshapes: false,
  });
  const module = findModule(landmarker, 4);
  const captured = { face_landmarks: [], face_geometry: [] };
  for (const stream of Object.keys(captured)) {
    const original = module.simpleListeners[stream];
    module.simpleListeners[stream] = (data, done, ts) => {
      if (!done) captured[stream].push(b64(data.slice()));
      original(data, done, ts);
    };
  }
  const frames = [];
  for (const image of ['one.png', 'two.png']) {
    captured.face_landmarks = [];
    captured.face_geometry = [];
    const bitmap = await createImageBitmap(await (await fetch(`./${image}`)).blob());
    const result = landmarker.detect(bitmap);
    frames.push({
      image,
      landmarksBytes: captured.face_landmarks,
      geometryBytes: captured.face_geometry,
      decoded: {
        landmarks: result.faceLandmarks.map((pts) => b64(new Uint8Array(Float32Array.from(pts.flatMap((p) => [p.x, p.y, p.z])).buffer))),
        matrices: result.facialTransformationMatrixes.map((m) => ({ rows: m.rows, columns: m.columns, data: Array.from(m.data) })),
      },
    });
  }
  postMessage(frames);
} catch (error) {
  postMessage({ error: String(error) });
}
