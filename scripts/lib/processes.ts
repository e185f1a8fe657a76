/**
 * Chromium's processes as /proc sees them, for the benchmark and the soak test: which processes belong to one
 * browser (matched by its profile directory), what kind each is, and what it holds in memory.
 */
import { readFileSync, readdirSync } from 'node:fs';

export interface ChromiumProcess {
  pid: number;
  /** 'browser', 'renderer', 'extension' (a renderer hosting extension pages and workers), 'gpu', 'utility', 'other'. */
  kind: 'browser' | 'renderer' | 'extension' | 'gpu' | 'utility' | 'other';
  /** Resident set in kB (VmRSS). */
  rssKb: number;
  /** Private (not shared with other processes) resident memory in kB, from smaps_rollup; what this process alone costs. */
  privateKb: number;
  /** User + system CPU ticks so far. */
  ticks: number;
}

function parentOf(pid: string): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? '';
}

/** Renderers do not carry the profile dir on their command line; walk up the parents to the browser process. */
function belongsToProfile(pid: string, profileDir: string, depth = 0): boolean {
  if (depth > 5) return false;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmdline.includes(profileDir)) return true;
    const ppid = parentOf(pid);
    if (!ppid || ppid === '0' || ppid === '1') return false;
    return belongsToProfile(ppid, profileDir, depth + 1);
  } catch {
    return false;
  }
}

function kindOf(cmdline: string): ChromiumProcess['kind'] {
  if (!cmdline.includes('--type=')) return 'browser';
  if (cmdline.includes('--type=renderer')) return cmdline.includes('--extension-process') ? 'extension' : 'renderer';
  if (cmdline.includes('--type=gpu-process')) return 'gpu';
  if (cmdline.includes('--type=utility')) return 'utility';
  return 'other';
}

/** Every live process of the Chromium whose profile directory is `profileDir`. */
export function chromiumProcesses(profileDir: string): ChromiumProcess[] {
  const out: ChromiumProcess[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmdline.includes('chromium') && !cmdline.includes('chrome')) continue;
      if (!belongsToProfile(pid, profileDir)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      let privateKb = rssKb;
      try {
        const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
        privateKb = Number(/Private_Clean:\s+(\d+)/.exec(rollup)?.[1] ?? 0) + Number(/Private_Dirty:\s+(\d+)/.exec(rollup)?.[1] ?? 0);
      } catch {
        /* smaps_rollup needs Linux 4.14; RSS stands in */
      }
      out.push({ pid: Number(pid), kind: kindOf(cmdline.replace(/\0/g, ' ')), rssKb, privateKb, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      /* the process ended while we read it */
    }
  }
  return out;
}
