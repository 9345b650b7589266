/**
 * Which files a process holds open for writing (ingest/src/spool/writers.ts), on this Linux
 * machine's real /proc: this process's own descriptors, and another process's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spool } from '@ratel/ingest';
import { afterAll, describe, expect, it } from 'vitest';

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'ratel-writers-')));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const scan = spool.procWriterScan();

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('spool writers (/proc)', () => {
  it('is available on Linux, and null where there is no /proc', () => {
    expect(existsSync('/proc/self/fd'), 'these tests need Linux /proc').toBe(true);
    expect(scan).not.toBeNull();
    expect(spool.procWriterScan(join(dir, 'no-proc'))).toBeNull();
  });

  it("sees this process's files opened for writing (append, write, read-write), not those opened to read", () => {
    const run = scan as spool.WriterScan;
    const files = ['a', 'w', 'rw', 'r', 'closed'].map((n) => join(dir, `${n}.csv`));
    for (const f of files) writeFileSync(f, 'x\n');
    const fds = [
      openSync(files[0] as string, 'a'),
      openSync(files[1] as string, 'w'),
      openSync(files[2] as string, 'r+'),
      openSync(files[3] as string, 'r'),
    ];
    closeSync(openSync(files[4] as string, 'a'));
    try {
      expect([...run(new Set(files))].sort()).toEqual(files.slice(0, 3).sort());
      expect(run(new Set())).toEqual(new Set());
    } finally {
      for (const fd of fds) closeSync(fd);
    }
    expect(run(new Set(files))).toEqual(new Set());
  });

  it("sees another process's writer until it exits", async () => {
    const run = scan as spool.WriterScan;
    const file = join(dir, 'child.csv');
    const marker = join(dir, 'child.ready');
    let child: ChildProcess | null = null;
    try {
      child = spawn('sh', ['-c', `exec 3>>"${file}"; : > "${marker}"; exec sleep 30`], { stdio: 'ignore' });
      await until('the child to open the file', () => existsSync(marker));
      expect(run(new Set([file]))).toEqual(new Set([file]));
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      expect(run(new Set([file]))).toEqual(new Set());
    } finally {
      child?.kill('SIGKILL');
    }
  });
});
