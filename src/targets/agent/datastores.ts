/**
 * Agent datastores (seed 003, v1 `agent_datastores`: "Links agents to vector stores"): which
 * external vector stores an agent reads. A link is the pair (agent_id, datastore_id); the
 * datastore itself lives outside this database, so its id is not checked.
 */
import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { parseInput } from '../../kit';
import { agentDatastores } from '../../schema/agent';
import { type AgentDb, Id, mapped, notFound } from './internal';

export type AgentDatastore = typeof agentDatastores.$inferSelect;

export const DatastoreLink = z.object({ agentId: Id, datastoreId: Id });
export type DatastoreLink = z.input<typeof DatastoreLink>;

/**
 * Links a datastore to an agent; linking it again is not an error (returns `created: false`).
 * An unknown agent is `FOREIGN_KEY` on `agentId`.
 *
 * @example const { created } = await linkDatastore(db, { agentId, datastoreId });
 */
export async function linkDatastore(
  db: AgentDb,
  input: DatastoreLink,
): Promise<{ link: AgentDatastore; created: boolean }> {
  const link = parseInput(DatastoreLink, input, 'agent_datastores');
  const rows = await mapped('agent_datastores', () =>
    db.insert(agentDatastores).values(link).onConflictDoNothing().returning(),
  );
  return { link, created: rows.length === 1 };
}

/**
 * Removes a link; an absent one is `NOT_FOUND` on `datastoreId`.
 *
 * @example await unlinkDatastore(db, { agentId, datastoreId });
 */
export async function unlinkDatastore(db: AgentDb, input: DatastoreLink): Promise<AgentDatastore> {
  const { agentId, datastoreId } = parseInput(DatastoreLink, input, 'agent_datastores');
  const [row] = await mapped('agent_datastores', () =>
    db
      .delete(agentDatastores)
      .where(and(eq(agentDatastores.agentId, agentId), eq(agentDatastores.datastoreId, datastoreId)))
      .returning(),
  );
  if (!row) throw notFound('agent_datastores', 'datastoreId', datastoreId);
  return row;
}

/**
 * The datastore ids an agent is linked to, in id order.
 *
 * @example const stores = await listAgentDatastores(db, agentId); // ['5f0c…', …]
 */
export async function listAgentDatastores(db: AgentDb, agentId: string): Promise<string[]> {
  const { agentId: id } = parseInput(z.object({ agentId: Id }), { agentId }, 'agent_datastores');
  const rows = await mapped('agent_datastores', () =>
    db
      .select({ datastoreId: agentDatastores.datastoreId })
      .from(agentDatastores)
      .where(eq(agentDatastores.agentId, id))
      .orderBy(asc(agentDatastores.datastoreId)),
  );
  return rows.map((r) => r.datastoreId);
}

/**
 * The agents linked to a datastore, in id order (e.g. before retiring the store).
 *
 * @example const agents = await listDatastoreAgents(db, datastoreId);
 */
export async function listDatastoreAgents(db: AgentDb, datastoreId: string): Promise<string[]> {
  const { datastoreId: id } = parseInput(z.object({ datastoreId: Id }), { datastoreId }, 'agent_datastores');
  const rows = await mapped('agent_datastores', () =>
    db
      .select({ agentId: agentDatastores.agentId })
      .from(agentDatastores)
      .where(eq(agentDatastores.datastoreId, id))
      .orderBy(asc(agentDatastores.agentId)),
  );
  return rows.map((r) => r.agentId);
}
