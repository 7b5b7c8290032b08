import type { ErrorCode } from '../errors';
import { readBookkeeping } from './bookkeeping';
import { openReadOnly } from './drift';
import { readStatus, type Status } from './engine';
import { formatFinding, type LintFinding, lintSet } from './lint';
import type { MigrationSet } from './migrations';
import type { Target } from './target';

/** One step `migrate` would take. */
export interface PlannedStep {
  tag: string;
  generation: string;
  direction: 'up' | 'down';
  sql: string;
  /** Lint findings of this migration (down migrations and discard paths are guarded at run time instead). */
  findings: LintFinding[];
}

export interface MigrationPlan {
  target: string;
  /** False when the database does not exist yet: every migration is pending. */
  exists: boolean;
  from: string | null;
  to: string;
  steps: PlannedStep[];
  /** Why `migrate` would refuse to run; the steps then are what it would have done. */
  refusal?: { code: ErrorCode; message: string };
}

/**
 * `migrate --dry-run`: what `migrate` would run, read without writing anything: no file, folder
 * or database is created, no ledger row, no lock. Lint findings come with each migration.
 *
 * @example
 * const plan = await planMigration(targets.todo, loadMigrations(targets.todo), 'pglite:./data/todo');
 * for (const step of plan.steps) console.log(step.tag, step.findings.length);
 */
export async function planMigration(
  target: Target,
  set: MigrationSet,
  location: string,
  options: { to?: string; discardData?: boolean } = {},
): Promise<MigrationPlan> {
  const db = await openReadOnly(target, location);
  let status: Pick<Status, 'generation' | 'pending' | 'problems' | 'needsAdopt'>;
  if (!db) status = { generation: null, pending: [...set.migrations], problems: [], needsAdopt: false };
  else {
    try {
      status = await readStatus(db.client, set);
    } finally {
      await db.close();
    }
  }
  const names = target.generations.map((g) => g.name);
  const to = options.to ?? names.at(-1) ?? '';
  const plan: MigrationPlan = { target: target.name, exists: db !== null, from: status.generation, to, steps: [] };
  const toIndex = names.indexOf(to);
  if (toIndex < 0) {
    plan.refusal = {
      code: 'UNKNOWN_GENERATION',
      message: `Unknown generation "${to}" for ${target.name}; one of: ${names.join(', ')}`,
    };
    return plan;
  }
  if (status.problems.length > 0) {
    plan.refusal = {
      code: 'CHECKSUM_MISMATCH',
      message: `migrate would refuse: applied migrations changed on disk (${status.problems.map((p) => p.tag).join(', ')}); run \`chatstore status ${target.name}\``,
    };
  } else if (status.needsAdopt) {
    plan.refusal = {
      code: 'NEEDS_ADOPT',
      message: `migrate would refuse: the database has tables but no chatstore ledger; run \`chatstore adopt ${target.name}\` first`,
    };
  }
  const fromIndex = status.generation === null ? -1 : names.indexOf(status.generation);
  if (toIndex < fromIndex) {
    for (const generation of names.slice(toIndex + 1, fromIndex + 1).reverse()) {
      const down = set.downs.get(generation);
      if (!down) {
        plan.refusal ??= {
          code: 'NO_DOWN_MIGRATION',
          message: `Cannot go back to ${to}: generation ${generation} ships no down migration`,
        };
        break;
      }
      plan.steps.push({ tag: `down/${generation}`, generation, direction: 'down', sql: down.sql, findings: [] });
    }
    return plan;
  }
  const findings = lintSet(set, readBookkeeping(set.dir));
  const wanted = new Set(names.slice(0, toIndex + 1));
  const taken = new Set<string>();
  for (const migration of status.pending.filter((m) => wanted.has(m.generation))) {
    const discard = options.discardData ? set.discards?.get(migration.generation) : undefined;
    if (discard) {
      if (taken.has(migration.generation)) continue;
      taken.add(migration.generation);
      plan.steps.push({
        tag: `discard/${migration.generation}`,
        generation: migration.generation,
        direction: 'up',
        sql: discard.sql,
        findings: [],
      });
      continue;
    }
    plan.steps.push({
      tag: migration.tag,
      generation: migration.generation,
      direction: 'up',
      sql: migration.sql,
      findings: findings.filter((f) => f.tag === migration.tag),
    });
  }
  return plan;
}

/** The human form of a plan. */
export function formatPlan(plan: MigrationPlan, location: string): string[] {
  const lines = [
    `${plan.target} at ${location}${plan.exists ? '' : ' (no database there yet: migrate would create it)'}: dry run, nothing written`,
    `  from ${plan.from ?? 'empty'} to ${plan.to}: ${plan.steps.length} migration(s)`,
  ];
  for (const step of plan.steps) {
    lines.push('', `-- ${step.tag} (${step.direction === 'down' ? 'down migration' : step.generation})`);
    for (const f of step.findings) lines.push(`-- lint ${formatFinding(f)}`);
    lines.push(step.sql.trimEnd());
  }
  return lines;
}
