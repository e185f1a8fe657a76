// A local stand-in for a meeting site: the camera (Chromium's fake device playing a .y4m) is shown mirrored as the
// self view, and each remote participant is the same camera stream sent through its own pair of RTCPeerConnections
// over loopback, so the <video> plays a real remote WebRTC track.
const grid = document.getElementById('grid');
const selfView = document.getElementById('self-view');
const participants = new Map();
let nextId = 1;

async function loopThroughPeers(stream) {
  const sender = new RTCPeerConnection();
  const receiver = new RTCPeerConnection();
  sender.onicecandidate = (e) => e.candidate && receiver.addIceCandidate(e.candidate);
  receiver.onicecandidate = (e) => e.candidate && sender.addIceCandidate(e.candidate);
  const remote = new Promise((resolve) => {
    receiver.ontrack = (e) => resolve(e.streams[0] ?? new MediaStream([e.track]));
  });
  for (const track of stream.getTracks()) sender.addTrack(track, stream);
  await sender.setLocalDescription(await sender.createOffer());
  await receiver.setRemoteDescription(sender.localDescription);
  await receiver.setLocalDescription(await receiver.createAnswer());
  await sender.setRemoteDescription(receiver.localDescription);
  return { stream: await remote, close: () => (sender.close(), receiver.close()) };
}

const camera = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
selfView.srcObject = camera;

/** Two people in one tile: the camera drawn twice side by side on a canvas, sent as one stream. */
function pairStream() {
  const source = document.createElement('video');
  source.muted = true;
  source.srcObject = camera;
  void source.play();
  const canvas = document.createElement('canvas');
  canvas.width = 960;
  canvas.height = 360;
  const ctx = canvas.getContext('2d');
  const draw = () => {
    ctx.drawImage(source, 0, 0, 480, 360);
    ctx.drawImage(source, 480, 0, 480, 360);
    source.requestVideoFrameCallback(draw);
  };
  source.requestVideoFrameCallback(draw);
  return canvas.captureStream(24);
}

/** A camera that shows nothing: a black canvas. */
function blackStream() {
  const canvas = document.createElement('canvas');
  canvas.width = 640;
  canvas.height = 480;
  const ctx = canvas.getContext('2d');
  const paint = () => ctx.fillRect(0, 0, 640, 480);
  paint();
  setInterval(paint, 100);
  return canvas.captureStream(10);
}

/** A participant whose camera is a video file (looped): played, captured, then sent over WebRTC like a camera. */
async function clipStream(url) {
  const source = document.createElement('video');
  source.muted = true;
  source.loop = true;
  source.playsInline = true;
  source.src = url;
  source.style.cssText = 'position:fixed;left:-9999px;width:320px;height:240px';
  document.body.append(source);
  await source.play();
  return source.captureStream();
}

/**
 * Adds a remote participant. `where`: 'grid' (a plain tile), 'shadow' (the video inside an open shadow root),
 * 'iframe' (inside a same-origin iframe), 'pair' (two faces in one tile), 'black' (camera shows nothing), 'tiny'
 * (a thumbnail too small to hold a face worth analysing), or 'clip:URL' (the camera plays that video file).
 */
async function addParticipant(name, where = 'grid') {
  const id = `remote-${nextId++}`;
  const stream = where === 'pair' ? pairStream() : where === 'black' ? blackStream() : where.startsWith('clip:') ? await clipStream(where.slice(5)) : camera;
  const link = await loopThroughPeers(stream);
  const tile = document.createElement('div');
  tile.className = 'tile';
  tile.id = id;
  tile.dataset.name = name;
  if (where === 'tiny') tile.style.cssText = 'width:80px;height:60px';
  grid.append(tile); // before the iframe below: a detached iframe never loads
  let doc = document;
  let container = tile;
  if (where === 'iframe') {
    const frame = document.createElement('iframe');
    frame.style.cssText = 'width:100%;height:100%;border:0;display:block';
    tile.append(frame);
    await new Promise((resolve) => {
      frame.addEventListener('load', resolve, { once: true });
      frame.srcdoc = '<!doctype html><body style="margin:0;background:#000"></body>';
    });
    doc = frame.contentDocument;
    container = doc.body;
  } else if (where === 'shadow') {
    container = tile.attachShadow({ mode: 'open' });
  }
  const video = doc.createElement('video');
  video.autoplay = true;
  video.playsInline = true;
  video.muted = true;
  video.style.cssText = 'width:100%;height:100%;object-fit:cover;display:block';
  video.srcObject = link.stream;
  const label = document.createElement('span');
  label.className = 'name';
  label.textContent = name;
  container.append(video);
  if (where === 'shadow') container.append(label);
  else tile.append(label);
  if (where === 'iframe') doc.body.dataset.name = name;
  participants.set(id, { tile, link, video });
  await new Promise((resolve) => (video.readyState >= 2 ? resolve() : video.addEventListener('loadeddata', resolve, { once: true })));
  return id;
}

function removeParticipant(id) {
  const p = participants.get(id);
  if (!p) return false;
  p.link.close();
  p.tile.remove();
  participants.delete(id);
  return true;
}

function setPaused(id, paused) {
  const p = participants.get(id);
  if (!p) return false;
  if (paused) p.video.pause();
  else void p.video.play();
  return true;
}

window.call = { addParticipant, removeParticipant, setPaused, ids: () => [...participants.keys()] };
const params = new URLSearchParams(location.search);
const initial = Number(params.get('participants') ?? '1');
for (let i = 0; i < initial; i++) await addParticipant(['Alice', 'Bob', 'Carol', 'Dave', 'Erin'][i] ?? `Guest ${i + 1}`);
document.title = 'Local test call (ready)';
window.callReady = true;
