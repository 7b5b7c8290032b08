/**
 * Context (seed 003, "context_snapshots", "context_templates"): point-in-time snapshots of what
 * was sent to a model, and reusable templates whose `use_count` counts their uses.
 */
import { and, arrayContains, asc, desc, eq, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { parseInput } from '../../kit';
import { ContextSegments, contextSnapshots, contextTemplates, JsonObject } from '../../schema/agent';
import { type AgentDb, Id, mapped, notFound } from './internal';

export type ContextSnapshot = typeof contextSnapshots.$inferSelect;
export type ContextTemplate = typeof contextTemplates.$inferSelect;

// An integer column: past int4 the database would refuse it.
const count = z.number().int().nonnegative().max(2_147_483_647);

export const SaveSnapshotInput = z.object({
  messageId: Id.optional(),
  agentId: Id.optional(),
  snapshotData: JsonObject,
  totalTokens: count.optional(),
  compressionRatio: z.number().positive().optional(),
  segmentCount: count.optional(),
  buildTimeMs: count.optional(),
  optimizationCount: count.optional(),
});
export type SaveSnapshotInput = z.input<typeof SaveSnapshotInput>;

export const CreateTemplateInput = z.object({
  name: z.string().trim().min(1).max(100),
  description: z.string().optional(),
  segments: ContextSegments,
  variables: JsonObject.optional(),
  totalTokens: count.optional(),
  useCases: z.array(z.string().min(1)).optional(),
  agentTypes: z.array(z.string().min(1)).optional(),
});
export type CreateTemplateInput = z.input<typeof CreateTemplateInput>;

export const ListTemplatesInput = z
  .object({
    /** Only templates listing this use case in `use_cases`. */
    useCase: z.string().min(1).optional(),
    /** Only templates listing this agent type in `agent_types`. */
    agentType: z.string().min(1).optional(),
  })
  .default({});
export type ListTemplatesInput = z.input<typeof ListTemplatesInput>;

export const UpdateTemplateInput = z
  .object({
    name: CreateTemplateInput.shape.name,
    description: z.string().nullable().optional(),
    segments: ContextSegments.optional(),
    variables: JsonObject.nullable().optional(),
    totalTokens: count.nullable().optional(),
    useCases: z.array(z.string().min(1)).nullable().optional(),
    agentTypes: z.array(z.string().min(1)).nullable().optional(),
  })
  .refine(({ name: _, ...changes }) => Object.values(changes).some((v) => v !== undefined), {
    message: 'nothing to update: give description, segments, variables, totalTokens, useCases or agentTypes',
  });
export type UpdateTemplateInput = z.input<typeof UpdateTemplateInput>;

/**
 * Saves a context snapshot, e.g. the context built for a message. An unknown message or agent
 * is `FOREIGN_KEY` on `messageId` / `agentId`.
 *
 * @example
 * await saveContextSnapshot(db, { messageId, agentId, snapshotData: { segments }, totalTokens: 3100 });
 */
export async function saveContextSnapshot(db: AgentDb, input: SaveSnapshotInput): Promise<ContextSnapshot> {
  const values = parseInput(SaveSnapshotInput, input, 'context_snapshots');
  const [row] = await mapped('context_snapshots', () => db.insert(contextSnapshots).values(values).returning());
  return row as ContextSnapshot;
}

/**
 * The snapshots taken for a message, newest first.
 *
 * @example const snapshots = await listContextSnapshots(db, { messageId });
 */
export async function listContextSnapshots(db: AgentDb, input: { messageId: string }): Promise<ContextSnapshot[]> {
  const { messageId } = parseInput(z.object({ messageId: Id }), input, 'context_snapshots');
  return mapped('context_snapshots', () =>
    db
      .select()
      .from(contextSnapshots)
      .where(eq(contextSnapshots.messageId, messageId))
      .orderBy(desc(contextSnapshots.createdAt)),
  );
}

/**
 * Creates a context template; a taken name is `CONFLICT` on `name`.
 *
 * @example
 * await createContextTemplate(db, { name: 'support', segments: [{ kind: 'system', content: 'You help…' }] });
 */
export async function createContextTemplate(db: AgentDb, input: CreateTemplateInput): Promise<ContextTemplate> {
  const values = parseInput(CreateTemplateInput, input, 'context_templates');
  const [row] = await mapped('context_templates', () => db.insert(contextTemplates).values(values).returning());
  return row as ContextTemplate;
}

/**
 * Takes a template by name for use: increments its `use_count` atomically and returns it.
 * An unknown name is `NOT_FOUND` on `name`.
 *
 * @example const template = await useContextTemplate(db, 'support');
 */
export async function useContextTemplate(db: AgentDb, name: string): Promise<ContextTemplate> {
  const n = parseInput(CreateTemplateInput.shape.name, name, 'context_templates');
  const [row] = await mapped('context_templates', () =>
    db
      .update(contextTemplates)
      .set({ useCount: sql`coalesce(${contextTemplates.useCount}, 0) + 1` })
      .where(eq(contextTemplates.name, n))
      .returning(),
  );
  if (!row) throw notFound('context_templates', 'name', n);
  return row;
}

/**
 * Context templates by name, optionally only those for a use case and/or an agent type
 * (`use_cases @> {useCase}`, `agent_types @> {agentType}`).
 *
 * @example const forSupport = await listContextTemplates(db, { useCase: 'support' });
 */
export async function listContextTemplates(db: AgentDb, input?: ListTemplatesInput): Promise<ContextTemplate[]> {
  const { useCase, agentType } = parseInput(ListTemplatesInput, input, 'context_templates');
  const filters: SQL[] = [];
  if (useCase !== undefined) filters.push(arrayContains(contextTemplates.useCases, [useCase]));
  if (agentType !== undefined) filters.push(arrayContains(contextTemplates.agentTypes, [agentType]));
  return mapped('context_templates', () =>
    db
      .select()
      .from(contextTemplates)
      .where(and(...filters))
      .orderBy(asc(contextTemplates.name)),
  );
}

/**
 * Changes a template's definition (only the fields given; `null` clears an optional one) and
 * sets `updated_at`; `use_count` stays. An unknown name is `NOT_FOUND` on `name`.
 *
 * @example
 * await updateContextTemplate(db, { name: 'support', segments: [{ kind: 'system', content: 'You help, briefly.' }] });
 */
export async function updateContextTemplate(db: AgentDb, input: UpdateTemplateInput): Promise<ContextTemplate> {
  const { name, ...changes } = parseInput(UpdateTemplateInput, input, 'context_templates');
  const [row] = await mapped('context_templates', () =>
    db
      .update(contextTemplates)
      .set({ ...changes, updatedAt: sql`now()` })
      .where(eq(contextTemplates.name, name))
      .returning(),
  );
  if (!row) throw notFound('context_templates', 'name', name);
  return row;
}
