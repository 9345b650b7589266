/**
 * Which files a process holds open for writing, on Linux: the /proc/<pid>/fd links that name
 * them, whose /proc/<pid>/fdinfo flags open them write-only or read-write. One scan reads every
 * process's fd links once (about 17 ms for 90 processes and 1,500 fds on the 2-core test
 * machine), so the watcher scans only when a decision needs it, at most once a second otherwise.
 *
 * Processes this one may not inspect (another user's, unless ratel runs as root or with
 * CAP_SYS_PTRACE) are not seen: run the watcher as the switch's user, or rely on rename and age.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Returns the paths of `paths` some process holds open for writing. */
export type WriterScan = (paths: ReadonlySet<string>) => Set<string>;

/** O_ACCMODE, O_WRONLY, O_RDWR (Linux, all architectures). */
const ACCMODE = 3;
const WRONLY = 1;
const RDWR = 2;

/** The scan of `/proc` (another folder for tests), or null when there is no such folder with fd links (not Linux). */
export function procWriterScan(proc = '/proc'): WriterScan | null {
  if (!existsSync(`${proc}/self/fd`) && !existsSync(`${proc}/${process.pid}/fd`)) return null;
  return (paths) => {
    const held = new Set<string>();
    if (paths.size === 0) return held;
    let pids: string[];
    try {
      pids = readdirSync(proc);
    } catch {
      return held;
    }
    for (const pid of pids) {
      const c = pid.charCodeAt(0);
      if (c < 48 || c > 57) continue; // not a process folder
      const fdDir = `${proc}/${pid}/fd`;
      let fds: string[];
      try {
        fds = readdirSync(fdDir);
      } catch {
        continue; // gone, or not ours to read
      }
      for (const fd of fds) {
        let target: string;
        try {
          target = readlinkSync(`${fdDir}/${fd}`);
        } catch {
          continue;
        }
        if (!paths.has(target) || held.has(target)) continue;
        if (writable(`${proc}/${pid}/fdinfo/${fd}`)) held.add(target);
      }
    }
    return held;
  };
}

/** Whether an fdinfo file's `flags:` (octal) open the file for writing; unreadable: assumed so. */
function writable(fdinfo: string): boolean {
  let text: string;
  try {
    text = readFileSync(fdinfo, 'latin1');
  } catch {
    return true;
  }
  const m = /^flags:\s*([0-7]+)/m.exec(text);
  if (!m) return true;
  const mode = Number.parseInt(m[1] as string, 8) & ACCMODE;
  return mode === WRONLY || mode === RDWR;
}
