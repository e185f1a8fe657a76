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

async function addParticipant(name) {
  const id = `remote-${nextId++}`;
  const link = await loopThroughPeers(camera);
  const tile = document.createElement('div');
  tile.className = 'tile';
  tile.id = id;
  tile.dataset.name = name;
  const video = document.createElement('video');
  video.autoplay = true;
  video.playsInline = true;
  video.muted = true;
  video.srcObject = link.stream;
  const label = document.createElement('span');
  label.className = 'name';
  label.textContent = name;
  tile.append(video, label);
  grid.append(tile);
  participants.set(id, { tile, link });
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

window.call = { addParticipant, removeParticipant };
const params = new URLSearchParams(location.search);
const initial = Number(params.get('participants') ?? '1');
for (let i = 0; i < initial; i++) await addParticipant(['Alice', 'Bob', 'Carol', 'Dave', 'Erin'][i] ?? `Guest ${i + 1}`);
document.title = 'Local test call (ready)';
window.callReady = true;
