/** Peak resident memory of this process (the pipeline, chDB in-process) and of a child (nats-server). */
import { readFileSync } from 'node:fs';

export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** VmHWM of a process from /proc, in MiB (undefined where /proc is not available). */
export function peakRssOfPidMiB(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}
