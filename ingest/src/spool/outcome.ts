/**
 * Where an imported file goes: `done/` (or `failed/`) under the spool folder, with its summary
 * `<name>.summary.json` and its rejected lines `<name>.dead-letters.jsonl` beside it. A name
 * already taken there gets a suffix before its extension (`cdrs.csv`, `cdrs-1.csv`,
 * `cdrs-2.csv`...), since switches often rotate into the same name. The file is moved last: once
 * it has left the spool folder it is never imported again, and a crash before that leaves it to
 * be imported again (a summary already written for it is then written anew).
 */
import { existsSync, mkdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { errors } from '@ratel/schemas';

export type Outcome = 'done' | 'failed';

/** The first free name for `name` in `dir`: the name itself, else `<stem>-<n><ext>`. */
export function freeName(dir: string, name: string): string {
  if (!existsSync(join(dir, name))) return name;
  // A leading dot is no extension (".profile"), and "a.tar.gz" keeps ".gz" as its extension.
  const ext = extname(name);
  const stem = ext === '' ? name : name.slice(0, -ext.length);
  for (let n = 1; ; n++) {
    const candidate = `${stem}-${n}${ext}`;
    if (!existsSync(join(dir, candidate))) return candidate;
  }
}

export interface Placed {
  /** The file's path now. */
  path: string;
  summary: string;
  /** The dead-letter file beside it, or null when no line was rejected. */
  deadLetters: string | null;
}

/**
 * Moves `file` (in the spool folder) to `<spool>/<outcome>/`, with the summary (written whole,
 * through a temporary name) and the dead-letter file (`deadLetters`, moved; removed when empty).
 * `summaryOf` is given the file's new path and its dead-letter file's.
 */
export function placeFile(
  spool: string,
  file: string,
  outcome: Outcome,
  deadLetters: string | null,
  summaryOf: (placed: { path: string; deadLetters: string | null }) => object,
): Placed {
  const dir = join(spool, outcome);
  try {
    mkdirSync(dir, { recursive: true });
    const name = freeName(dir, basename(file));
    const path = join(dir, name);
    let dead: string | null = null;
    if (deadLetters !== null && existsSync(deadLetters)) {
      if (statSync(deadLetters).size > 0) {
        dead = `${path}.dead-letters.jsonl`;
        renameSync(deadLetters, dead);
      } else unlinkSync(deadLetters);
    }
    const summary = `${path}.summary.json`;
    const tmp = join(dir, `.${name}.summary.json.tmp`);
    writeFileSync(tmp, `${JSON.stringify(summaryOf({ path, deadLetters: dead }), null, 2)}\n`);
    renameSync(tmp, summary);
    renameSync(file, path);
    return { path, summary, deadLetters: dead };
  } catch (e) {
    throw errors.outputUnwritable(dir, `cannot move ${file} there: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
