/**
 * "Scan a file": the user drops a recorded video or a photo and gets the same verdict a live call would give.
 * A video is replayed on clip time exactly as a call is processed: samples on the live 5 fps grid, downscaled the same
 * way, the same engine (landmarks, alignment, detector), the same fusion (ParticipantStatus / RiskFusion), so two
 * runs over the same file give the same numbers. `npm run scan` drives this page headless for whole folders.
 */
import { viewForVideoFrame, type DetectorView } from '../core/detector-views';
import { sampleTimes, imageVerdict, type ScanRow } from '../core/file-verdict';
import { ParticipantStatus, riskSentence } from '../core/participant-status';
import { sampleWidthFor } from '../core/sampler';
import type { EngineReply } from '../shared/messages';
import { isEngineReply } from '../shared/messages';
import type { EngineStatus, FaceObservation, FrameResult, RiskSummary } from '../shared/types';
import { createEngineWorker, EngineHost } from '../engine/engine-host';

/** The page's own engine (a file scan is independent of calls; it does not share the calls' engine). */
class LocalEngine {
  private readonly port: MessagePort;
  private status: EngineStatus = { kind: 'loading' };
  private readonly ready: Promise<void>;
  private pending = new Map<number, { resolve: (r: FrameResult) => void; reject: (e: Error) => void }>();
  private nextFrame = 1;

  constructor() {
    const channel = new MessageChannel();
    new EngineHost(createEngineWorker).attach(channel.port2);
    this.port = channel.port1;
    let readyResolve!: () => void;
    let readyReject!: (e: Error) => void;
    this.ready = new Promise((ok, fail) => {
      readyResolve = ok;
      readyReject = fail;
    });
    this.port.onmessage = (event: MessageEvent<unknown>) => {
      const reply: unknown = event.data;
      if (!isEngineReply(reply)) return;
      this.onReply(reply, readyResolve, readyReject);
    };
    this.port.start();
  }

  private onReply(reply: EngineReply, readyResolve: () => void, readyReject: (e: Error) => void): void {
    if (reply.type === 'status') {
      this.status = reply.status;
      if (reply.status.kind === 'ready') readyResolve();
      if (reply.status.kind === 'failed') readyReject(new Error(reply.status.message));
      return;
    }
    const id = reply.type === 'result' ? reply.result.frameId : reply.frameId;
    const waiter = this.pending.get(id);
    this.pending.delete(id);
    if (reply.type === 'result') waiter?.resolve(reply.result);
    else waiter?.reject(new Error(reply.message));
  }

  get engineStatus(): EngineStatus {
    return this.status;
  }

  async analyse(bitmap: ImageBitmap, sourceWidth: number, sourceHeight: number, view: DetectorView): Promise<FrameResult> {
    await this.ready;
    const frameId = this.nextFrame++;
    return new Promise((resolve, reject) => {
      this.pending.set(frameId, { resolve, reject });
      this.port.postMessage({ type: 'frame', participantId: 'file', frameId, sampledAt: 0, bitmap, sourceWidth, sourceHeight, scoreFaces: view }, [bitmap]);
    });
  }
}

export interface ScanFrame {
  t: number;
  /** Highest face score in the frame (null: no face or no detector). */
  score: number | null;
  /** The fused risk score after this frame, as the live badge would show it. */
  fused: number | null;
  verdict: RiskSummary['verdict'];
}

export interface ScanOutcome {
  row: ScanRow;
  /** Whether the model is released for live verdicts; if not, the page marks its verdict as experimental. */
  released: boolean;
  frames: ScanFrame[];
  /** Up to three face thumbnails (data: URLs) of the highest-scoring frames, with their time and score. */
  topFrames: { t: number; score: number; image: string }[];
  detail: string;
}

const engine = new LocalEngine();
const released = (): boolean => engine.engineStatus.kind === 'ready' && engine.engineStatus.verdicts;

/** A small square picture of the riskiest face of a frame, from a copy of the frame. */
function faceThumbnail(frame: ImageBitmap, face: FaceObservation): string {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 128;
  const ctx = canvas.getContext('2d');
  if (!ctx) return '';
  const side = Math.max(face.box.width * frame.width, face.box.height * frame.height) * 1.3;
  const cx = (face.box.x + face.box.width / 2) * frame.width;
  const cy = (face.box.y + face.box.height / 2) * frame.height;
  ctx.drawImage(frame, cx - side / 2, cy - side / 2, side, side, 0, 0, 128, 128);
  return canvas.toDataURL('image/jpeg', 0.85);
}

const riskiest = (faces: FaceObservation[]): FaceObservation | null =>
  faces.reduce<FaceObservation | null>((best, f) => (best === null || (f.swapScore ?? -1) > (best.swapScore ?? -1) ? f : best), null);

function keepTop(top: ScanOutcome['topFrames'], candidate: { t: number; score: number }, frame: ImageBitmap, face: FaceObservation): void {
  if (top.length >= 3 && candidate.score <= (top[top.length - 1]?.score ?? 0)) return;
  top.push({ ...candidate, image: faceThumbnail(frame, face) });
  top.sort((a, b) => b.score - a.score);
  top.length = Math.min(top.length, 3);
}

function baseRow(file: File, kind: ScanRow['kind']): ScanRow {
  return { file: file.name, kind, score: null, verdict: 'insufficient', alert: false, timeToAlertS: null, framesAnalyzed: 0, facesFound: 0, message: '' };
}

async function scanImage(file: File): Promise<ScanOutcome> {
  const row = baseRow(file, 'image');
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    row.message = 'cannot decode this image (corrupt or unsupported format)';
    return { row, released: released(), frames: [], topFrames: [], detail: row.message };
  }
  const copy = await createImageBitmap(bitmap);
  const result = await engine.analyse(bitmap, bitmap.width, bitmap.height, 'both');
  const face = riskiest(result.faces);
  const topFrames: ScanOutcome['topFrames'] = [];
  row.framesAnalyzed = 1;
  row.facesFound = result.faces.length;
  const { verdict, reason } = imageVerdict(face?.swapScore ?? null, face?.quality ?? null);
  row.score = face?.swapScore ?? null;
  row.verdict = verdict;
  row.alert = verdict === 'deepfake';
  row.timeToAlertS = row.alert ? 0 : null;
  row.message = reason ?? '';
  if (face && face.swapScore !== null) keepTop(topFrames, { t: 0, score: face.swapScore }, copy, face);
  copy.close();
  const detail = riskSentence({ verdict, score: row.score, since: 0, reason });
  return { row, released: released(), frames: [{ t: 0, score: row.score, fused: row.score, verdict }], topFrames, detail };
}

function waitFor(target: EventTarget, ok: string, fail = 'error'): Promise<void> {
  return new Promise((resolve, reject) => {
    const onOk = (): void => {
      target.removeEventListener(fail, onFail);
      resolve();
    };
    const onFail = (): void => {
      target.removeEventListener(ok, onOk);
      reject(new Error(fail));
    };
    target.addEventListener(ok, onOk, { once: true });
    target.addEventListener(fail, onFail, { once: true });
  });
}

async function videoDuration(video: HTMLVideoElement): Promise<number> {
  if (Number.isFinite(video.duration)) return video.duration;
  // Some WebM files do not state their duration: seeking far past the end makes the browser work it out.
  video.currentTime = 1e7;
  await waitFor(video, 'seeked');
  const d = video.duration;
  video.currentTime = 0;
  await waitFor(video, 'seeked');
  return d;
}

/**
 * Seeks and waits until the frame at `t` is the one the element will draw. `seeked` alone is not enough: under CPU
 * load Chromium fired it while createImageBitmap still drew the previous frame (seen on the 2-core machine with both cores busy:
 * one or two frames in 40 differed between two scans of one file, and CI failed on it). requestVideoFrameCallback fires once the sought frame is presented;
 * the timeout covers a frame that is never presented (the same frame as before the seek).
 */
const PRESENT_TIMEOUT_MS = 1000;
async function seekTo(video: HTMLVideoElement, t: number): Promise<void> {
  const presented = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, PRESENT_TIMEOUT_MS);
    video.requestVideoFrameCallback(() => {
      clearTimeout(timer);
      resolve();
    });
  });
  video.currentTime = t;
  await waitFor(video, 'seeked');
  await presented;
}

async function scanVideo(file: File, onProgress: (done: number, total: number) => void): Promise<ScanOutcome> {
  const row = baseRow(file, 'video');
  const url = URL.createObjectURL(file);
  const video = document.createElement('video');
  video.muted = true;
  video.preload = 'auto';
  video.src = url;
  try {
    try {
      await waitFor(video, 'loadeddata');
    } catch {
      const code = video.error?.code;
      row.message =
        code === MediaError.MEDIA_ERR_SRC_NOT_SUPPORTED
          ? 'unsupported video (container or codec this browser cannot play)'
          : 'cannot decode this video (corrupt or truncated)';
      return { row, released: released(), frames: [], topFrames: [], detail: row.message };
    }
    if (!video.videoWidth || !video.videoHeight) {
      row.message = 'the file has no video track';
      return { row, released: released(), frames: [], topFrames: [], detail: row.message };
    }
    const duration = await videoDuration(video);
    const times = sampleTimes(duration);
    const status = new ParticipantStatus('file', file.name, 0);
    const frames: ScanFrame[] = [];
    const topFrames: ScanOutcome['topFrames'] = [];
    let faceWidthFraction: number | null = null;
    let lastFused: number | null = null;
    for (const [i, t] of times.entries()) {
      await seekTo(video, t);
      const width = sampleWidthFor(video.videoWidth, faceWidthFraction);
      const height = Math.max(1, Math.round((video.videoHeight * width) / video.videoWidth));
      const bitmap = await createImageBitmap(video, { resizeWidth: width, resizeHeight: height, resizeQuality: 'low' });
      const copy = await createImageBitmap(bitmap);
      // the i-th sampled frame of this file, as a call's i-th frame of a participant: views alternate the same way
      const result = await engine.analyse(bitmap, video.videoWidth, video.videoHeight, viewForVideoFrame(i));
      status.onResult(result, null, t * 1000);
      const widest = Math.max(0, ...result.faces.map((f) => f.box.width));
      faceWidthFraction = widest > 0 ? widest : null;
      const risk = status.risk();
      const face = riskiest(result.faces);
      const score = face?.swapScore ?? null;
      if (risk.score !== null) lastFused = risk.score;
      if (risk.verdict === 'deepfake' && row.timeToAlertS === null) row.timeToAlertS = t;
      if (face && score !== null) keepTop(topFrames, { t, score }, copy, face);
      copy.close();
      row.framesAnalyzed++;
      if (result.faces.length > 0) row.facesFound++;
      frames.push({ t, score, fused: risk.score, verdict: risk.verdict });
      onProgress(i + 1, times.length);
    }
    const finalRisk = status.risk();
    row.verdict = finalRisk.verdict;
    row.score = finalRisk.score ?? lastFused;
    row.alert = row.timeToAlertS !== null;
    if (row.facesFound === 0) row.message = 'no face found in the video';
    else if (finalRisk.verdict === 'insufficient') row.message = finalRisk.reason ?? '';
    return { row, released: released(), frames, topFrames, detail: riskSentence(finalRisk) };
  } finally {
    video.removeAttribute('src');
    video.load();
    URL.revokeObjectURL(url);
  }
}

const VIDEO_EXT = /\.(mp4|webm|mov|m4v|mkv|ogv)$/i;
const IMAGE_EXT = /\.(jpe?g|png|webp|gif|bmp)$/i;

export async function scanFile(file: File, onProgress: (done: number, total: number) => void = () => undefined): Promise<ScanOutcome> {
  const kind = file.type.startsWith('video/') || VIDEO_EXT.test(file.name) ? 'video' : file.type.startsWith('image/') || IMAGE_EXT.test(file.name) ? 'image' : 'unknown';
  try {
    if (kind === 'video') return await scanVideo(file, onProgress);
    if (kind === 'image') return await scanImage(file);
    const row = baseRow(file, 'unknown');
    row.message = 'not an image or a video';
    return { row, released: released(), frames: [], topFrames: [], detail: row.message };
  } catch (error) {
    const row = baseRow(file, kind);
    row.message = `analysis failed: ${String(error)}`;
    return { row, released: released(), frames: [], topFrames: [], detail: row.message };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The page

const VERDICT_TITLE: Record<RiskSummary['verdict'], string> = {
  insufficient: 'Not enough evidence',
  genuine: 'Looks genuine',
  suspicious: 'Suspicious',
  deepfake: 'Likely deepfake',
};

function drawChart(canvas: HTMLCanvasElement, frames: ScanFrame[]): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  const seconds = Math.max(1, Math.ceil((frames.at(-1)?.t ?? 0) + 0.001));
  const barWidth = width / seconds;
  // Per-second maxima of frame scores.
  for (let s = 0; s < seconds; s++) {
    const inSecond = frames.filter((f) => f.t >= s && f.t < s + 1 && f.score !== null).map((f) => f.score ?? 0);
    if (!inSecond.length) continue;
    const v = Math.max(...inSecond);
    ctx.fillStyle = v >= 0.8 ? '#f28b82' : v >= 0.5 ? '#fdd663' : '#81c995';
    ctx.fillRect(s * barWidth + 1, height * (1 - v), barWidth - 2, height * v);
  }
  ctx.strokeStyle = '#202124';
  ctx.lineWidth = 2;
  ctx.beginPath();
  let started = false;
  for (const f of frames) {
    if (f.fused === null) continue;
    const x = (f.t / seconds) * width;
    const y = height * (1 - f.fused);
    if (started) ctx.lineTo(x, y);
    else ctx.moveTo(x, y);
    started = true;
  }
  ctx.stroke();
}

function show(outcome: ScanOutcome): void {
  const $ = (id: string): HTMLElement => document.getElementById(id)!;
  $('result').hidden = false;
  const { row } = outcome;
  const title = $('verdict');
  const pct = row.score === null ? '' : ` (${Math.round(row.score * 100)}%)`;
  // An unreleased model gets no coloured verdict headline: a green "Looks genuine" over a real swap would be worse
  // than no answer. The score and what the verdict would be are still shown, marked experimental.
  title.dataset.verdict = outcome.released ? row.verdict : 'insufficient';
  title.textContent = outcome.released ? `${VERDICT_TITLE[row.verdict]}${pct}` : `Experimental score${pct}: no verdict (model not validated)`;
  const alert = row.alert && row.timeToAlertS !== null ? ` The live warning would have shown after ${row.timeToAlertS.toFixed(1)} s.` : '';
  const experimental = outcome.released
    ? ''
    : ' Experimental: the face-swap model is not yet validated (its development figures are in models/README.md); do not rely on this verdict.';
  $('explain').textContent = `${outcome.detail}${alert} ${row.framesAnalyzed} frame(s) analysed, a face in ${row.facesFound}.${row.message ? ` ${row.message}.` : ''}${experimental}`;
  drawChart($('chart') as HTMLCanvasElement, outcome.frames);
  $('frames').replaceChildren(
    ...outcome.topFrames.map((f) => {
      const figure = document.createElement('figure');
      const img = document.createElement('img');
      img.src = f.image;
      img.alt = `face at ${f.t.toFixed(1)} s`;
      const caption = document.createElement('figcaption');
      caption.textContent = `${f.t.toFixed(1)} s · ${Math.round(f.score * 100)}%`;
      figure.append(img, caption);
      return figure;
    }),
  );
}

function start(file: File): Promise<ScanOutcome> {
  const status = document.getElementById('status')!;
  status.className = '';
  status.textContent = `Analysing ${file.name}…`;
  const run = scanFile(file, (done, total) => {
    status.textContent = `Analysing ${file.name}: ${done} / ${total} frames`;
  }).then((outcome) => {
    status.textContent = outcome.row.message && outcome.row.framesAnalyzed === 0 ? `${file.name}: ${outcome.row.message}` : '';
    status.className = outcome.row.framesAnalyzed === 0 ? 'error' : '';
    show(outcome);
    return outcome;
  });
  // For `npm run scan`, which drives this page: the latest scan, and how many have started.
  const scope = window as unknown as { unmaskLastScan?: Promise<ScanOutcome>; unmaskScans?: number };
  scope.unmaskLastScan = run;
  scope.unmaskScans = (scope.unmaskScans ?? 0) + 1;
  return run;
}

const input = document.getElementById('file') as HTMLInputElement | null;
const drop = document.getElementById('drop');
input?.addEventListener('change', () => {
  const file = input.files?.[0];
  if (file) void start(file);
});
drop?.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop?.addEventListener('dragleave', () => drop.classList.remove('over'));
drop?.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const file = e.dataTransfer?.files[0];
  if (file) void start(file);
});
