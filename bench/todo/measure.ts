/**
 * Interleaved timing: every iteration runs the chatstore call and the raw call back to back
 * on the same input, a seeded coin deciding which goes first, so drift (GC, autovacuum,
 * checkpoints, CPU frequency) and cache warmth fall on both sides alike.
 */
import { prng } from '../../support/random';
import type { HotPath } from './hot-paths';

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

export interface PathResult {
  name: string;
  statements: readonly string[];
  iterations: number;
  chatstore: Percentiles;
  raw: Percentiles;
  /** chatstore p50 / raw p50. */
  ratio: number;
}

/** Nearest-rank percentiles of durations in milliseconds. */
export function percentiles(samples: Float64Array): Percentiles {
  const sorted = Float64Array.from(samples).sort();
  const rank = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
  let sum = 0;
  for (const v of sorted) sum += v;
  return { p50: rank(50), p95: rank(95), p99: rank(99), mean: sum / sorted.length };
}

const ms = (from: bigint, to: bigint) => Number(to - from) / 1e6;

export async function measure(path: HotPath, iterations: number, warmup: number): Promise<PathResult> {
  await path.check();
  // Warm-up uses inputs past the timed range, so timed calls don't hit rows it just touched.
  for (let i = 0; i < warmup; i++) {
    await path.chatstore(iterations + i);
    await path.raw(iterations + i);
  }
  const chatstore = new Float64Array(iterations);
  const raw = new Float64Array(iterations);
  // Not a fixed alternation: an event every N commits or N bytes allocated (SQLite's WAL
  // checkpoint every 1000 pages, a scavenge) would fall on the same side every time.
  const chatstoreFirst = prng(iterations);
  for (let i = 0; i < iterations; i++) {
    if (chatstoreFirst() < 0.5) {
      const t0 = process.hrtime.bigint();
      await path.chatstore(i);
      const t1 = process.hrtime.bigint();
      await path.raw(i);
      const t2 = process.hrtime.bigint();
      chatstore[i] = ms(t0, t1);
      raw[i] = ms(t1, t2);
    } else {
      const t0 = process.hrtime.bigint();
      await path.raw(i);
      const t1 = process.hrtime.bigint();
      await path.chatstore(i);
      const t2 = process.hrtime.bigint();
      raw[i] = ms(t0, t1);
      chatstore[i] = ms(t1, t2);
    }
  }
  const c = percentiles(chatstore);
  const r = percentiles(raw);
  return { name: path.name, statements: path.statements, iterations, chatstore: c, raw: r, ratio: c.p50 / r.p50 };
}
