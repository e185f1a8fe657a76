#!/usr/bin/env node
// Installs what the browser tests need and a fresh Debian machine lacks: Debian's Chromium (the tests drive it with
// playwright-core; no browser is ever downloaded from elsewhere) and ffmpeg (makes the fake camera's .y4m clip).
// With --training, also what the training pipeline's tests need: Debian's python3 with torch, OpenCV, SciPy and PIL.
import { execFileSync, execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const have = (cmd) => {
  try {
    execSync(`command -v ${cmd}`, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const missing = [];
if (!existsSync(chromium)) missing.push('chromium');
if (!have('ffmpeg')) missing.push('ffmpeg');
if (process.argv.includes('--training')) {
  try {
    execSync('/usr/bin/python3 -c "import torch, cv2, scipy, PIL, numpy"', { stdio: 'ignore' });
  } catch {
    missing.push('python3-torch', 'python3-opencv', 'python3-scipy', 'python3-pil', 'python3-numpy');
  }
}
if (missing.length === 0) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const prefix = isRoot ? [] : have('sudo') ? ['sudo'] : null;
if (!prefix) {
  console.error(`Missing ${missing.join(' and ')}; install them with: sudo apt-get install -y ${missing.join(' ')}`);
  process.exit(1);
}
console.error(`Installing ${missing.join(', ')} from Debian's packages…`);
const run = (args) => execFileSync(prefix[0] ?? args[0], prefix.length ? args : args.slice(1), { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
run(['apt-get', 'update', '-qq']);
run(['apt-get', 'install', '-y', '-qq', ...missing]);
