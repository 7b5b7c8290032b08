/**
 * bench/RESULTS.md holds one section per target, each between markers, so every target's
 * benchmark rewrites its own figures and leaves the others' alone.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const resultsFile = path.join(path.dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');

const title =
  '# Benchmarks\n\nWritten by `npm run bench` (one target: `npm run bench -- <target>`); each section is rewritten by its own run.\n';

/** Replaces (or appends) the section of `target` in bench/RESULTS.md. */
export function writeResultsSection(target: string, markdown: string): void {
  // A run told not to write (a quick or scaled-down one) leaves the committed figures alone.
  if (process.env.BENCH_WRITE_RESULTS === '0') return;
  const begin = `<!-- results:${target} -->`;
  const end = `<!-- /results:${target} -->`;
  const current = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : title;
  const block = `${begin}\n${markdown.trim()}\n${end}`;
  const start = current.indexOf(begin);
  const stop = current.indexOf(end);
  const next =
    start >= 0 && stop > start
      ? `${current.slice(0, start)}${block}${current.slice(stop + end.length)}`
      : `${current.trimEnd()}\n\n${block}\n`;
  writeFileSync(resultsFile, next);
}
