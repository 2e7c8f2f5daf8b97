// A folder for files a test writes (an edited lab file, an output), removed when the test ends, passed or failed.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { onTestFinished } from 'vitest';
import { parse, stringify } from 'yaml';

/** A new folder under the system's temporary one; call it inside a test. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The lab file with `change` made to its document, written under a scratch folder (as `name`, default the file's). */
export function editedLab(file: string, change: (doc: any) => void, name = basename(file)): string {
  const doc = parse(readFileSync(file, 'utf8'));
  change(doc);
  const out = join(scratchDir('topo-edited'), name);
  writeFileSync(out, stringify(doc));
  return out;
}
