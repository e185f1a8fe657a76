// Debian's Chromium as the project's tools use it (plain pages, no extension): one place for the path and the flags
// this machine needs (no sandbox as root, no GPU, none of Chromium's own background traffic).
import { chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchToolChromium() {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}
