/**
 * The one registry of chatstore's targets: every application database, its dialect, and its
 * generations oldest first. The CLI, the migration engine, `drizzle.config.ts` and
 * `npm run db:generate` all read it; nothing else lists targets.
 *
 * No `import.meta` here: drizzle-kit loads this file through its CommonJS loader.
 */
import * as agentV1 from './schema/agent/v1';
import * as agentV2 from './schema/agent/v2';
import * as lettaV1 from './schema/letta/v1';
import * as lettaV2 from './schema/letta/v2';
import * as tatlockSystemV0319 from './schema/tatlock-system/v0-3-19';
import * as tatlockUserV0319 from './schema/tatlock-user/v0-3-19';
import * as tatlockUserV0320 from './schema/tatlock-user/v0-3-20';
import * as tatlockUserV0321 from './schema/tatlock-user/v0-3-21';
import * as tatlockUserV0322 from './schema/tatlock-user/v0-3-22';
import * as tatlockUserV0323 from './schema/tatlock-user/v0-3-23';
import * as telegramHardening from './schema/telegram/hardening';
import * as telegramInitial from './schema/telegram/initial';
import * as telegramTaskQueue from './schema/telegram/task-queue';
import * as todoArchiveSearch from './schema/todo/archive-search';
import * as todoPhase2 from './schema/todo/phase2';
import * as todoPhase3 from './schema/todo/phase3';

export type Dialect = 'postgresql' | 'sqlite';

export interface Generation {
  /** Name used in migration tags (`0001_phase3`), `--to`, and the ledger. */
  readonly name: string;
  /** Schema module path, relative to the package root (for drizzle-kit). */
  readonly file: string;
  /** The module's exports (tables, enums), for drizzle-kit's API in `chatstore check`. */
  readonly schema: Record<string, unknown>;
}

/**
 * A change a later version of the application makes to one of the target's generations, which
 * chatstore recognises but does not model: `adopt` names the version instead of only listing
 * differences.
 */
export interface FieldVersion {
  /** Names the application version in the refusal, e.g. `Telegram Dialog AI Processor 6d4fd6e (…)`. */
  readonly version: string;
  /** The generation the version's schema differs from. */
  readonly generation: string;
  /** Schema facts (`table users / column telegram_id`, see introspect.ts) the version changes. */
  readonly keys: readonly string[];
}

export interface Target {
  readonly name: string;
  readonly dialect: Dialect;
  /** The seed document under `shared/seeds/` that specifies this target. */
  readonly seed: string;
  readonly description: string;
  readonly generations: readonly Generation[];
  /** drizzle-kit output folder, relative to the package root. */
  readonly migrationsDir: string;
  /**
   * SQLite targets: the embedded default, relative to the data folder (default `<target>.db`);
   * `null` when the target has no single default database (one file per user).
   */
  readonly embeddedFile?: string | null;
  /**
   * A pseudo-target whose fan-out (`chatstore migrate <fanOut> --dir D`) covers this target's
   * files; `migrate --all` runs the fan-out over `./data/<fanOut>` instead of one default file.
   */
  readonly fanOut?: string;
  /** PostgreSQL extensions the target's migrations create; PGlite loads them (`vector`: pgvector). */
  readonly extensions?: readonly 'vector'[];
  /** Later versions of the application that `adopt` recognises by name (and refuses). */
  readonly fieldVersions?: readonly FieldVersion[];
  /**
   * Differences from a generation's schema that `adopt` accepts (exact key, expected and actual
   * text): shapes of legacy databases the seed allows but chatstore's own DDL is stricter than.
   * Nothing is changed in the adopted database.
   */
  readonly adoptTolerates?: readonly { key: string; expected?: string; actual?: string }[];
}

function generation<S extends Record<string, unknown>>(
  target: string,
  name: string,
  schema: S,
  file = name,
): Generation & { readonly schema: S } {
  return { name, schema, file: `src/schema/${target}/${file}.ts` };
}

export const targets = {
  letta: {
    name: 'letta',
    dialect: 'sqlite',
    seed: '000',
    description: 'Letta agent bot: master users, their platform profiles, messages, the processing queue',
    generations: [generation('letta', 'v1', lettaV1), generation('letta', 'v2', lettaV2)],
    migrationsDir: 'drizzle/letta',
  },
  'tatlock-system': {
    name: 'tatlock-system',
    dialect: 'sqlite',
    seed: '001',
    description: 'Tatlock system.db: users, passwords, roles, groups, tools, settings',
    generations: [
      generation('tatlock-system', '0.3.19', tatlockSystemV0319, 'v0-3-19'),
      // No schema change in 0.3.20: the version stays aligned with tatlock-user.
      generation('tatlock-system', '0.3.20', tatlockSystemV0319, 'v0-3-19'),
    ],
    migrationsDir: 'drizzle/tatlock-system',
    embeddedFile: 'tatlock/system.db',
    fanOut: 'tatlock',
  },
  'tatlock-user': {
    name: 'tatlock-user',
    dialect: 'sqlite',
    seed: '001',
    description: 'Tatlock {username}_longterm.db, one per user: conversations, messages, topics, memories',
    generations: [
      generation('tatlock-user', '0.3.19', tatlockUserV0319, 'v0-3-19'),
      generation('tatlock-user', '0.3.20', tatlockUserV0320, 'v0-3-20'),
      generation('tatlock-user', '0.3.21', tatlockUserV0321, 'v0-3-21'),
      generation('tatlock-user', '0.3.22', tatlockUserV0322, 'v0-3-22'),
      generation('tatlock-user', '0.3.23', tatlockUserV0323, 'v0-3-23'),
    ],
    migrationsDir: 'drizzle/tatlock-user',
    embeddedFile: null,
    fanOut: 'tatlock',
  },
  telegram: {
    name: 'telegram',
    dialect: 'postgresql',
    seed: '002',
    description: 'Telegram dialog processor: users, sessions, encrypted credentials, dialogs, responses, task queue',
    generations: [
      generation('telegram', 'initial', telegramInitial),
      generation('telegram', 'hardening', telegramHardening),
      generation('telegram', 'task-queue', telegramTaskQueue),
    ],
    migrationsDir: 'drizzle/telegram',
    // `initial` is the application at de38a4a; what it changed afterwards (decision 013).
    fieldVersions: [
      {
        version: 'Telegram Dialog AI Processor 6d4fd6e (2025-03-07; users.telegram_id nullable for temporary users)',
        generation: 'initial',
        keys: ['table users / column telegram_id'],
      },
      {
        version:
          'Telegram Dialog AI Processor 05c3480 (auth methods: enum authmethod, sessions.auth_method, nullable sessions.user_id)',
        generation: 'initial',
        keys: ['enum authmethod', 'table sessions / column auth_method', 'table sessions / column user_id'],
      },
      {
        version: 'Telegram Dialog AI Processor after 6d4fd6e (dialogs.priority)',
        generation: 'initial',
        keys: ['table dialogs / column priority'],
      },
    ],
  },
  agent: {
    name: 'agent',
    dialect: 'postgresql',
    seed: '003',
    description: 'Agent memory system: structured messages, vector memories, versioned state, context, sessions',
    generations: [
      generation('agent', 'v1', agentV1),
      generation('agent', 'v2', agentV2),
      // No table changes: the seed's updated_at triggers, a custom migration.
      generation('agent', 'v2-triggers', agentV2, 'v2'),
      // No table changes: row-level security that isolates users (decision 019), a custom migration.
      generation('agent', 'v2-isolation', agentV2, 'v2'),
    ],
    migrationsDir: 'drizzle/agent',
    extensions: ['vector'],
    // The seed lists v1's chat_messages columns without constraints or indexes: a database made
    // from that list has no NOT NULL on content / created_at and no idx_chat_messages_channel.
    adoptTolerates: [
      { key: 'table chat_messages / column content', expected: 'text not null', actual: 'text null' },
      {
        key: 'table chat_messages / column created_at',
        expected: 'timestamp with time zone not null default now()',
        actual: 'timestamp with time zone null default now()',
      },
      {
        key: 'table chat_messages / index idx_chat_messages_channel',
        expected: 'CREATE INDEX idx_chat_messages_channel ON public.chat_messages USING btree (channel_id, created_at)',
      },
    ],
  },
  todo: {
    name: 'todo',
    dialect: 'postgresql',
    seed: '004',
    description: 'Phase III todo chatbot: users, tasks, conversations, messages, full-text search, archival',
    generations: [
      generation('todo', 'phase2', todoPhase2),
      generation('todo', 'phase3', todoPhase3),
      generation('todo', 'archive-search', todoArchiveSearch),
      // No table changes: row-level security that isolates users (decision 019), a custom migration.
      generation('todo', 'isolation', todoArchiveSearch, 'archive-search'),
    ],
    migrationsDir: 'drizzle/todo',
  },
} as const satisfies Record<string, Target>;

export type TargetName = keyof typeof targets;
export const targetNames = Object.keys(targets) as TargetName[];

export function isTargetName(name: string): name is TargetName {
  return Object.hasOwn(targets, name);
}
