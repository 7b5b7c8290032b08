/**
 * Roles and groups (seed 001, `roles`, `groups`, `user_roles`, `user_groups`) and their
 * assignment to users. Assigning twice is harmless; unknown users, roles or groups are
 * `NOT_FOUND` on the field that named them.
 */
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { parseField, parseInput } from '../../kit';
import { groups, roles, userGroups, userRoles, users } from '../../schema/tatlock-system';
import { Username } from '../tatlock/folder';
import { mapped, notFound, type SystemDb } from './internal';

export type Role = typeof roles.$inferSelect;
export type Group = typeof groups.$inferSelect;

const Name = z.string().trim().min(1).max(100);

export const CreateRoleInput = z.object({ roleName: Name, description: z.string().max(1000).nullish() });
export type CreateRoleInput = z.input<typeof CreateRoleInput>;
export const CreateGroupInput = z.object({ groupName: Name, description: z.string().max(1000).nullish() });
export type CreateGroupInput = z.input<typeof CreateGroupInput>;
export const RoleAssignmentInput = z.object({ username: Username, roleName: Name });
export type RoleAssignmentInput = z.input<typeof RoleAssignmentInput>;
export const GroupAssignmentInput = z.object({ username: Username, groupName: Name });
export type GroupAssignmentInput = z.input<typeof GroupAssignmentInput>;

/**
 * Creates a role; a taken name is a `CONFLICT` on `roleName`.
 *
 * @example const admin = createRole(db, { roleName: 'admin', description: 'Administrator' });
 */
export function createRole(db: SystemDb, input: CreateRoleInput): Role {
  const values = parseInput(CreateRoleInput, input, 'roles');
  return mapped('roles', () => db.insert(roles).values(values).returning().get());
}

/**
 * Creates a group; a taken name is a `CONFLICT` on `groupName`.
 *
 * @example const family = createGroup(db, { groupName: 'family' });
 */
export function createGroup(db: SystemDb, input: CreateGroupInput): Group {
  const values = parseInput(CreateGroupInput, input, 'groups');
  return mapped('groups', () => db.insert(groups).values(values).returning().get());
}

/**
 * Every role, by name.
 *
 * @example const all = listRoles(db);
 */
export function listRoles(db: SystemDb): Role[] {
  return mapped('roles', () => db.select().from(roles).orderBy(roles.roleName).all());
}

/**
 * Every group, by name.
 *
 * @example const all = listGroups(db);
 */
export function listGroups(db: SystemDb): Group[] {
  return mapped('groups', () => db.select().from(groups).orderBy(groups.groupName).all());
}

/** The user must exist; returns nothing, throws `NOT_FOUND` on `username`. */
function requireUser(tx: Pick<SystemDb, 'select'>, username: string): void {
  if (!tx.select({ u: users.username }).from(users).where(eq(users.username, username)).get())
    throw notFound('users', 'username', username);
}

/**
 * Gives a user a role (again: no change).
 *
 * @example assignRole(db, { username: 'alice', roleName: 'admin' });
 */
export function assignRole(db: SystemDb, input: RoleAssignmentInput): void {
  const { username, roleName } = parseInput(RoleAssignmentInput, input, 'user_roles');
  mapped('user_roles', () =>
    db.transaction((tx) => {
      requireUser(tx, username);
      const role = tx.select({ id: roles.id }).from(roles).where(eq(roles.roleName, roleName)).get();
      if (!role) throw notFound('roles', 'roleName', roleName);
      tx.insert(userRoles).values({ username, roleId: role.id }).onConflictDoNothing().run();
    }),
  );
}

/**
 * Takes a role from a user; returns whether they had it.
 *
 * @example unassignRole(db, { username: 'alice', roleName: 'admin' });
 */
export function unassignRole(db: SystemDb, input: RoleAssignmentInput): boolean {
  const { username, roleName } = parseInput(RoleAssignmentInput, input, 'user_roles');
  return mapped(
    'user_roles',
    () =>
      db
        .delete(userRoles)
        .where(
          and(
            eq(userRoles.username, username),
            eq(userRoles.roleId, db.select({ id: roles.id }).from(roles).where(eq(roles.roleName, roleName))),
          ),
        )
        .run().changes > 0,
  );
}

/**
 * Puts a user in a group (again: no change).
 *
 * @example assignGroup(db, { username: 'alice', groupName: 'family' });
 */
export function assignGroup(db: SystemDb, input: GroupAssignmentInput): void {
  const { username, groupName } = parseInput(GroupAssignmentInput, input, 'user_groups');
  mapped('user_groups', () =>
    db.transaction((tx) => {
      requireUser(tx, username);
      const group = tx.select({ id: groups.id }).from(groups).where(eq(groups.groupName, groupName)).get();
      if (!group) throw notFound('groups', 'groupName', groupName);
      tx.insert(userGroups).values({ username, groupId: group.id }).onConflictDoNothing().run();
    }),
  );
}

/**
 * Takes a user out of a group; returns whether they were in it.
 *
 * @example unassignGroup(db, { username: 'alice', groupName: 'family' });
 */
export function unassignGroup(db: SystemDb, input: GroupAssignmentInput): boolean {
  const { username, groupName } = parseInput(GroupAssignmentInput, input, 'user_groups');
  return mapped(
    'user_groups',
    () =>
      db
        .delete(userGroups)
        .where(
          and(
            eq(userGroups.username, username),
            eq(userGroups.groupId, db.select({ id: groups.id }).from(groups).where(eq(groups.groupName, groupName))),
          ),
        )
        .run().changes > 0,
  );
}

/**
 * A user's roles, by name.
 *
 * @example const roles = listUserRoles(db, 'alice'); // [{ id: 2, roleName: 'admin', … }]
 */
export function listUserRoles(db: SystemDb, username: string): Role[] {
  const name = parseField(Username, username, 'username', 'user_roles');
  return mapped('user_roles', () =>
    db
      .select({ id: roles.id, roleName: roles.roleName, description: roles.description, createdAt: roles.createdAt })
      .from(userRoles)
      .innerJoin(roles, eq(roles.id, userRoles.roleId))
      .where(eq(userRoles.username, name))
      .orderBy(roles.roleName)
      .all(),
  );
}

/**
 * A user's groups, by name.
 *
 * @example const groups = listUserGroups(db, 'alice');
 */
export function listUserGroups(db: SystemDb, username: string): Group[] {
  const name = parseField(Username, username, 'username', 'user_groups');
  return mapped('user_groups', () =>
    db
      .select({
        id: groups.id,
        groupName: groups.groupName,
        description: groups.description,
        createdAt: groups.createdAt,
      })
      .from(userGroups)
      .innerJoin(groups, eq(groups.id, userGroups.groupId))
      .where(eq(userGroups.username, name))
      .orderBy(groups.groupName)
      .all(),
  );
}
