/**
 * The tool registry (seed 001, `tools` and `tool_parameters`): the functions Tatlock's model may
 * call, with their parameters; enable or disable them; look up the enabled ones with their
 * parameters in one query.
 */
import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { parseField, parseInput } from '../../kit';
import { toolParameters, tools } from '../../schema/tatlock-system';
import { mapped, notFound, prepared, type SystemDb } from './internal';

export type ToolRow = typeof tools.$inferSelect;
export interface ToolParameter {
  name: string;
  type: string;
  description: string | null;
  required: boolean;
}
export interface Tool {
  toolKey: string;
  description: string;
  module: string;
  functionName: string;
  enabled: boolean;
  prompts: string | null;
  parameters: ToolParameter[];
}

export const ToolKey = z.string().trim().min(1).max(200);
const Identifier = z.string().trim().min(1).max(200);

export const RegisterToolInput = z.object({
  toolKey: ToolKey,
  description: z.string().trim().min(1),
  module: Identifier,
  functionName: Identifier,
  enabled: z.boolean().default(false),
  prompts: z.string().nullish(),
  parameters: z
    .array(
      z.object({
        name: Identifier,
        type: z.string().trim().min(1).max(50),
        description: z.string().nullish(),
        required: z.boolean().default(false),
      }),
    )
    .default([])
    .refine((list) => new Set(list.map((p) => p.name)).size === list.length, 'parameter names must be unique'),
});
export type RegisterToolInput = z.input<typeof RegisterToolInput>;

export const SetToolEnabledInput = z.object({ toolKey: ToolKey, enabled: z.boolean() });
export type SetToolEnabledInput = z.input<typeof SetToolEnabledInput>;

const withParameters = {
  toolKey: tools.toolKey,
  description: tools.description,
  module: tools.module,
  functionName: tools.functionName,
  enabled: tools.enabled,
  prompts: tools.prompts,
  parameterName: toolParameters.name,
  parameterType: toolParameters.type,
  parameterDescription: toolParameters.description,
  parameterRequired: toolParameters.isRequired,
};

const statements = prepared((db: SystemDb) => ({
  enabled: db
    .select(withParameters)
    .from(tools)
    .leftJoin(toolParameters, eq(toolParameters.toolKey, tools.toolKey))
    .where(eq(tools.enabled, 1))
    .orderBy(asc(tools.toolKey), asc(toolParameters.id))
    .prepare(),
}));

type JoinedRow = { [K in keyof typeof withParameters]: unknown };

/** Folds the rows of a tools ⟕ tool_parameters join into tools with their parameter lists. */
function fold(rows: JoinedRow[]): Tool[] {
  const byKey = new Map<string, Tool>();
  for (const row of rows) {
    const key = row.toolKey as string;
    let tool = byKey.get(key);
    if (!tool) {
      tool = {
        toolKey: key,
        description: row.description as string,
        module: row.module as string,
        functionName: row.functionName as string,
        enabled: row.enabled === 1,
        prompts: (row.prompts as string | null) ?? null,
        parameters: [],
      };
      byKey.set(key, tool);
    }
    if (row.parameterName !== null) {
      tool.parameters.push({
        name: row.parameterName as string,
        type: row.parameterType as string,
        description: (row.parameterDescription as string | null) ?? null,
        required: row.parameterRequired === 1,
      });
    }
  }
  return [...byKey.values()];
}

/**
 * Registers a tool with its parameters, or replaces a registered one (its parameters are
 * replaced too), in one transaction.
 *
 * @example
 * registerTool(db, {
 *   toolKey: 'web_search', description: 'Search the web', module: 'stem.tools', functionName: 'web_search',
 *   enabled: true, parameters: [{ name: 'query', type: 'string', required: true }],
 * });
 */
export function registerTool(db: SystemDb, input: RegisterToolInput): Tool {
  const { parameters, enabled, prompts, ...tool } = parseInput(RegisterToolInput, input, 'tools');
  const values = { ...tool, enabled: enabled ? 1 : 0, prompts: prompts ?? null };
  mapped('tools', () =>
    db.transaction((tx) => {
      tx.insert(tools).values(values).onConflictDoUpdate({ target: tools.toolKey, set: values }).run();
      tx.delete(toolParameters).where(eq(toolParameters.toolKey, tool.toolKey)).run();
      for (const p of parameters) {
        tx.insert(toolParameters)
          .values({
            toolKey: tool.toolKey,
            name: p.name,
            type: p.type,
            description: p.description ?? null,
            isRequired: p.required ? 1 : 0,
          })
          .run();
      }
    }),
  );
  return getTool(db, tool.toolKey) as Tool;
}

/**
 * A tool with its parameters, or `undefined`.
 *
 * @example const tool = getTool(db, 'web_search');
 */
export function getTool(db: SystemDb, toolKey: string): Tool | undefined {
  const key = parseField(ToolKey, toolKey, 'toolKey', 'tools');
  const rows = mapped('tools', () =>
    db
      .select(withParameters)
      .from(tools)
      .leftJoin(toolParameters, eq(toolParameters.toolKey, tools.toolKey))
      .where(eq(tools.toolKey, key))
      .orderBy(asc(toolParameters.id))
      .all(),
  );
  return fold(rows)[0];
}

/**
 * Enables or disables a tool; an unknown tool is `NOT_FOUND` on `toolKey`.
 *
 * @example setToolEnabled(db, { toolKey: 'web_search', enabled: false });
 */
export function setToolEnabled(db: SystemDb, input: SetToolEnabledInput): void {
  const { toolKey, enabled } = parseInput(SetToolEnabledInput, input, 'tools');
  const changed = mapped(
    'tools',
    () =>
      db
        .update(tools)
        .set({ enabled: enabled ? 1 : 0 })
        .where(eq(tools.toolKey, toolKey))
        .run().changes,
  );
  if (changed === 0) throw notFound('tools', 'toolKey', toolKey);
}

/**
 * The enabled tools with their parameters (in registration order), by key: one prepared query.
 *
 * @example const tools = listEnabledTools(db); // what the model may call
 */
export function listEnabledTools(db: SystemDb): Tool[] {
  return fold(mapped('tools', () => statements(db).enabled.all()));
}

/**
 * Removes a tool and its parameters; returns whether it existed.
 *
 * @example deleteTool(db, 'web_search');
 */
export function deleteTool(db: SystemDb, toolKey: string): boolean {
  const key = parseField(ToolKey, toolKey, 'toolKey', 'tools');
  return mapped('tools', () => db.delete(tools).where(eq(tools.toolKey, key)).run().changes > 0);
}
