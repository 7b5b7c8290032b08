/**
 * The read-only CLI commands of decision 012 — `status` (with drift, `--all`, `tatlock --dir`) and
 * `migrate --dry-run` — kept apart from the verbs in src/cli/commands/, which wire them in.
 */
import path from 'node:path';
import { defaultDataDir, redact } from '../connect';
import { ChatstoreError } from '../errors';
import { formatStatusReport, inspectDatabase, resolveLocation, type StatusReport } from '../migrate/drift';
import { formatPlan, planMigration } from '../migrate/dry-run';
import { loadMigrations, type MigrationSet } from '../migrate/migrations';
import type { FanOut } from '../targets/command';
import { fanOuts, isFanOutName } from '../targets/commands';
import { type Target, targetNames, targets } from '../targets/registry';

export interface CommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Prints the one `--json` document of the command. */
  document: (data: { ok: boolean } & Record<string, unknown>) => void;
}

const exit = (ok: boolean) => (ok ? 0 : 1);

function printReports(io: CommandIo, json: boolean, reports: StatusReport[], single: boolean): number {
  const ok = reports.every((r) => r.ok);
  if (json) io.document(single && reports[0] ? { ...reports[0], ok } : { ok, databases: reports });
  else
    for (const report of reports) {
      const { out, err } = formatStatusReport(report);
      for (const line of out) io.out(line);
      for (const line of err) io.err(line);
    }
  if (!json && !single) {
    const bad = reports.filter((r) => !r.ok);
    io.out(
      bad.length === 0
        ? `${reports.length} database(s): all at their latest generation, no drift`
        : `${reports.length} database(s), ${bad.length} need attention: ${bad.map((r) => `${r.target} ${r.location}`).join('; ')}`,
    );
  }
  return exit(ok);
}

/** `status <target> [--db L]`: exit 1 when something is pending, drifted, changed on disk, or unadopted. */
export async function statusCommand(target: Target, db: string | undefined, io: CommandIo, json: boolean) {
  const report = await inspectDatabase(target, loadMigrations(target), resolveLocation(target, db));
  // One named database that is not there is an error; --all and --dir list missing ones instead.
  if (!report.exists)
    throw new ChatstoreError(
      'DATABASE_NOT_FOUND',
      `No ${target.name} database at ${report.location}: nothing to report (chatstore migrate ${target.name} creates it)`,
      { field: 'location' },
    );
  return printReports(io, json, [report], true);
}

/** Every database of a fan-out's folder, in the fan-out's order (Tatlock: system.db, then each user's file). */
async function folderReports(fanOut: FanOut, dir: string): Promise<StatusReport[]> {
  // One set per target: the expected schemas for drift are built once for all of its files.
  const sets = new Map<Target, MigrationSet>();
  const reports: StatusReport[] = [];
  for (const { target, file } of fanOut.databases(dir)) {
    const set = sets.get(target) ?? loadMigrations(target);
    sets.set(target, set);
    reports.push(await inspectDatabase(target, set, file));
  }
  return reports;
}

/** `status <fan-out> --dir D`: every database of the folder, read-only. */
export async function statusFolderCommand(fanOut: FanOut, dir: string, io: CommandIo, json: boolean) {
  return printReports(io, json, await folderReports(fanOut, dir), false);
}

/** `status --all`: every target's embedded default under ./data/ (a fan-out's folder file by file). */
export async function statusAllCommand(io: CommandIo, json: boolean) {
  const reports: StatusReport[] = [];
  const foldersDone = new Set<string>();
  for (const name of targetNames) {
    const target: Target = targets[name];
    const folder = target.fanOut;
    if (folder !== undefined && isFanOutName(folder)) {
      if (foldersDone.has(folder)) continue;
      foldersDone.add(folder);
      reports.push(
        ...(await folderReports(fanOuts[folder], path.join(defaultDataDir, folder))).map((r) => ({
          ...r,
          location: path.relative(process.cwd(), r.location) || r.location,
        })),
      );
      continue;
    }
    reports.push(await inspectDatabase(target, loadMigrations(target), resolveLocation(target, undefined)));
  }
  return printReports(io, json, reports, false);
}

/** `migrate <target> --dry-run`: per pending migration its SQL and lint findings; writes nothing. */
export async function dryRunCommand(
  target: Target,
  options: { db?: string; to?: string; discardData?: boolean },
  io: CommandIo,
  json: boolean,
) {
  const location = resolveLocation(target, options.db);
  const plan = await planMigration(target, loadMigrations(target), location, options);
  if (json) io.document({ ...plan, ok: plan.refusal === undefined });
  else {
    for (const line of formatPlan(plan, redact(location))) io.out(line);
    if (plan.refusal) io.err(`${plan.target}: [${plan.refusal.code}] ${plan.refusal.message}`);
  }
  return exit(plan.refusal === undefined);
}
