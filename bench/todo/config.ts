/**
 * Bench settings, read once from the environment. Defaults are the full run the figures in
 * RESULTS.md come from; scale down with e.g. `BENCH_MESSAGES=100000 BENCH_ITERATIONS=1000`.
 */
export interface BenchConfig {
  /** Messages to import (default 1,000,000). */
  messages: number;
  /** Conversations (default messages / 100, so ~100 messages each). */
  conversations: number;
  /** Users (default conversations / 10). */
  users: number;
  /** Timed iterations per side per hot path (default 5,000). */
  iterations: number;
  /** Untimed iterations per side before timing (default 500). */
  warmup: number;
  /** PostgreSQL server to bench as well; a fresh database is created on it and dropped. */
  serverUrl: string | undefined;
  /** `dir` (a temporary folder, default) or `memory` for PGlite's storage. */
  pgliteStorage: 'dir' | 'memory';
  /** Skip PGlite (only the server). */
  skipPglite: boolean;
  /** Write bench/RESULTS.md (default yes; `BENCH_WRITE_RESULTS=0` to leave it alone). */
  writeResults: boolean;
  /**
   * `rebuild` (default): drop messages' indexes and foreign keys, COPY, rebuild them (pg_restore's
   * order); `live`: COPY into the migrated schema as it is.
   */
  importMode: 'rebuild' | 'live';
  /** Seed of the data generator, so runs import the same data. */
  seed: number;
}

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

export function readConfig(): BenchConfig {
  const messages = intFromEnv('BENCH_MESSAGES', 1_000_000);
  const conversations = intFromEnv('BENCH_CONVERSATIONS', Math.max(1, Math.round(messages / 100)));
  const users = intFromEnv('BENCH_USERS', Math.max(1, Math.round(conversations / 10)));
  const iterations = intFromEnv('BENCH_ITERATIONS', 5_000);
  const storage = process.env.BENCH_PGLITE ?? 'dir';
  if (storage !== 'dir' && storage !== 'memory' && storage !== 'skip') {
    throw new Error(`BENCH_PGLITE must be dir, memory or skip, got "${storage}"`);
  }
  return {
    messages,
    conversations,
    users,
    iterations,
    warmup: intFromEnv('BENCH_WARMUP', Math.max(50, Math.round(iterations / 10))),
    serverUrl: process.env.DATABASE_URL || undefined,
    pgliteStorage: storage === 'memory' ? 'memory' : 'dir',
    skipPglite: storage === 'skip',
    writeResults: process.env.BENCH_WRITE_RESULTS !== '0',
    importMode: process.env.BENCH_IMPORT === 'live' ? 'live' : 'rebuild',
    seed: intFromEnv('BENCH_SEED', 4),
  };
}
