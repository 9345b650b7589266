/**
 * CPU time of the processes of a benchmark on this machine, from /proc (Linux): the services
 * deploy/services.sh starts (the Kafka broker and the ClickHouse server, found by their command
 * lines) and any child process. Where /proc or a service is missing, that figure is absent.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** user + system CPU seconds of a process (or, with `tid`, of one of its threads), or null when it cannot be read. */
export function processCpuSeconds(pid: number, tid?: number): number | null {
  try {
    const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), from field 3 on: utime is 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** The names in a folder of /proc, or null when it cannot be read. */
function entriesOf(dir: string): string[] | null {
  try {
    return readdirSync(dir);
  } catch {
    return null;
  }
}

/** The services' processes on this machine, by name. */
const SERVICES: Record<string, string> = { broker: 'kafka.Kafka', clickhouse: 'clickhouse-server' };

function servicePids(): Map<string, number> {
  const pids = new Map<string, number>();
  const ours = new Set<string>();
  const entries = entriesOf('/proc');
  if (entries === null) return pids;
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    for (const [name, marker] of Object.entries(SERVICES)) {
      if (!cmd.includes(marker)) continue;
      // Several instances may run (deploy/services.sh with another RATEL_RUN): this run's first.
      if (cmd.includes(RUN_DIR)) pids.set(name, Number(e));
      else if (!pids.has(name) && !ours.has(name)) pids.set(name, Number(e));
      if (cmd.includes(RUN_DIR)) ours.add(name);
    }
  }
  return pids;
}

/** Where deploy/services.sh keeps the services this benchmark talks to (their command lines name it). */
const RUN_DIR = process.env.RATEL_RUN ?? join(homedir(), '.cache/ratel/run');

/** CPU seconds of each service found, now. */
export function serviceCpuSeconds(): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, pid] of servicePids()) {
    const s = processCpuSeconds(pid);
    if (s !== null) out.set(name, s);
  }
  return out;
}

/** user + system CPU seconds of a process and its children (their children too), or null. */
export function processTreeCpuSeconds(pid: number): number | null {
  const own = processCpuSeconds(pid);
  if (own === null) return null;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return own;
  }
  let sum = own;
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) sum += processTreeCpuSeconds(Number(e)) ?? 0;
    } catch {}
  }
  return sum;
}

/** This process's threads (ids) now, with their CPU seconds; an empty map where /proc is missing. */
export function threadCpuSeconds(): Map<number, number> {
  const out = new Map<number, number>();
  for (const t of entriesOf('/proc/self/task') ?? []) {
    const s = processCpuSeconds(process.pid, Number(t));
    if (s !== null) out.set(Number(t), s);
  }
  return out;
}
