/**
 * Finding: `ratel import --dead-letters <a folder>` (or a file it may not write) crashed with an
 * unhandled stream 'error' event and a stack trace, exit 1, after the store was opened. The
 * dead-letter file is now opened before any line is read: OUTPUT_UNWRITABLE naming it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importFiles, loadConfig } from '@ratel/ingest';
import { accountBook, loadCatalog } from '@ratel/rater';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'ratel-dead-folder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('regression: dead-letter path is a folder', () => {
  it('is OUTPUT_UNWRITABLE naming the path, before anything is read or sent', async () => {
    const file = join(dir, 'cdrs.jsonl');
    writeFileSync(file, '{"id":"x"}\n');
    const folder = join(dir, 'a-folder');
    mkdirSync(folder);
    const catalog = loadCatalog();
    const run = (deadLetterFile: string) =>
      importFiles(
        loadConfig({ env: {} }),
        { paths: [file], format: 'ratel-jsonl', to: 'kafka', deadLetterFile, progress: false },
        // No broker is reached: the dead-letter file is refused first.
        { catalog, accounts: accountBook([], catalog), accountsFile: 'none', print: () => {}, kafka: {} as never, codec: {} as never },
      );
    await expect(run(folder)).rejects.toMatchObject({
      code: 'OUTPUT_UNWRITABLE',
      message: `${folder}: dead-letter file cannot be written: EISDIR`,
    });
    await expect(run(join(file, 'below-a-file.jsonl'))).rejects.toMatchObject({ code: 'OUTPUT_UNWRITABLE' });
  });
});
