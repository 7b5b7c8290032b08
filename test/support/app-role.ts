/**
 * The application's role for the row-level security suites, created by the suite and dropped
 * after it. On a PostgreSQL server it is what production runs: a non-owner, non-superuser
 * LOGIN role with grants on the tables, connected as itself. PGlite has a single superuser
 * session, so there the role is NOLOGIN and the suite `SET LOCAL ROLE`s to it (the `role`
 * option of `asUser` / `asAgentUser`).
 */
import { randomBytes } from 'node:crypto';
import { type Connection, connect } from '../../src/targets/connect';
import type { TargetName } from '../../src/targets/registry';

export interface AppRole<T extends TargetName> {
  readonly name: string;
  /** true: a LOGIN role with a connection of its own; false: `SET ROLE` on the owner's connection. */
  readonly login: boolean;
  /** The application's connection: the role's own on a server, the owner's on PGlite. */
  readonly conn: Connection<T>;
  /** The `role` option for `asUser` / `asAgentUser`: none when connected as the role. */
  readonly options: { role?: string };
  /** Closes the role's connection, revokes its grants and drops it. */
  drop(): Promise<void>;
}

/**
 * Creates the application role on `owner`'s database: usage on the schema, select / insert /
 * update / delete on every table, usage on sequences, nothing else (not the owner, no DDL).
 * `login` (a real server only) makes it a LOGIN role and connects as it.
 */
export async function createAppRole<T extends TargetName>(
  owner: Connection<T>,
  options: { login: boolean; prefix?: string },
): Promise<AppRole<T>> {
  const name = `${options.prefix ?? 'chatstore_app'}_${randomBytes(5).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const login = options.login && owner.location.kind === 'postgres';
  await owner.client.query(
    login ? `create role ${name} login password '${password}' nosuperuser nobypassrls` : `create role ${name} nologin`,
  );
  await owner.client.query(`grant usage on schema public to ${name}`);
  await owner.client.query(`grant select, insert, update, delete on all tables in schema public to ${name}`);
  await owner.client.query(`grant usage on all sequences in schema public to ${name}`);
  let conn = owner;
  if (login && owner.location.kind === 'postgres') {
    const url = new URL(owner.location.url);
    url.username = name;
    url.password = password;
    conn = await connect(owner.target, url.toString(), { maxConnections: 2 });
  }
  return {
    name,
    login,
    conn,
    options: login ? {} : { role: name },
    async drop() {
      if (conn !== owner) await conn.close();
      await owner.client.query(`drop owned by ${name}`);
      await owner.client.query(`drop role ${name}`);
    },
  };
}
