/**
 * The JSON shapes of the agent target's JSONB columns (seed 003) as zod schemas, and the enum
 * tuples of its CHECK constraints. The schema modules type their columns with these
 * (`$type<MessageContent>()`), the repositories validate input with them, and the database
 * checks stay as the backstop. Objects are `loose`: the seed fixes required keys, not all keys.
 */
import { z } from 'zod';
import { jsonValue } from '../json';

export const messageRoles = ['system', 'user', 'assistant', 'tool'] as const;
export const contentTypes = ['text', 'structured', 'multimodal', 'tool_result'] as const;
export const memoryTypes = ['episodic', 'semantic', 'procedural', 'working'] as const;
export const consolidationTypes = ['merge', 'summarize', 'abstract'] as const;
export const checkpointTypes = ['manual', 'automatic', 'error_recovery', 'milestone'] as const;
export const retentionPolicies = ['temporary', 'permanent', 'archive'] as const;
export const transitionTypes = ['update', 'merge', 'reset', 'restore'] as const;
export const sessionStatuses = ['active', 'paused', 'completed', 'abandoned'] as const;

/** Dimensions of `agent_memories.embeddings` (OpenAI ada-002 / text-embedding-3-small). */
export const embeddingDimensions = 1536;

/** Any JSON object (a JSONB column that must hold an object, not a scalar or array). */
export const JsonObject = z.record(z.string(), jsonValue);
export type JsonObject = z.infer<typeof JsonObject>;

// chat_messages_v2.content: `content ? 'type' AND content->>'type' IN (…)` (check_content_structure)
export const TextContent = z.looseObject({ type: z.literal('text'), text: z.string() });
export const StructuredContent = z.looseObject({ type: z.literal('structured'), data: jsonValue });
export const MultimodalContent = z.looseObject({
  type: z.literal('multimodal'),
  parts: z.array(z.looseObject({ kind: z.string().min(1) })).min(1),
});
export const ToolResultContent = z.looseObject({
  type: z.literal('tool_result'),
  toolCallId: z.string().min(1),
  result: jsonValue,
});
export const MessageContent = z.discriminatedUnion('type', [
  TextContent,
  StructuredContent,
  MultimodalContent,
  ToolResultContent,
]);
export type MessageContent = z.infer<typeof MessageContent>;

// agent_memories.content per memory_type (check_memory_content)
export const EpisodicContent = z.looseObject({ event: z.string().min(1), temporal: jsonValue });
export const SemanticContent = z.looseObject({ concept: z.string().min(1), definition: z.string().min(1) });
export const ProceduralContent = z.looseObject({ skill: z.string().min(1), steps: z.array(jsonValue).min(1) });
export const WorkingContent = z
  .looseObject({ items: z.array(jsonValue), capacity: z.number().int().positive() })
  .refine((c) => c.items.length <= c.capacity, { message: 'more items than capacity', path: ['items'] });
export const memoryContentSchemas = {
  episodic: EpisodicContent,
  semantic: SemanticContent,
  procedural: ProceduralContent,
  working: WorkingContent,
} as const satisfies Record<(typeof memoryTypes)[number], z.ZodType>;
export type MemoryContent =
  | z.infer<typeof EpisodicContent>
  | z.infer<typeof SemanticContent>
  | z.infer<typeof ProceduralContent>
  | z.infer<typeof WorkingContent>;

/** A tool call recorded on a message (`chat_messages_v2.tools`). */
export const ToolCall = z.looseObject({ id: z.string().min(1), name: z.string().min(1), arguments: jsonValue });
export const Tools = z.array(ToolCall);
export type Tools = z.infer<typeof Tools>;

/** Message metadata; `tokens` feeds the session's `total_tokens_used`. */
export const MessageMetadata = z.looseObject({
  tokens: z.number().int().nonnegative().optional(),
  model: z.string().optional(),
  latencyMs: z.number().nonnegative().optional(),
  confidence: z.number().min(0).max(1).optional(),
});
export type MessageMetadata = z.infer<typeof MessageMetadata>;

/** The four partitions of an agent's state, as stored in `agent_states` and checkpoints. */
export const StatePartitions = z.object({
  localState: JsonObject,
  sharedState: JsonObject,
  sessionState: JsonObject,
  persistentState: JsonObject,
});
export type StatePartitions = z.infer<typeof StatePartitions>;

/** `state_checkpoints.state_data`: the partitions plus what identifies the state. */
export const CheckpointData = StatePartitions.extend({ version: z.string(), stateHash: z.string() });
export type CheckpointData = z.infer<typeof CheckpointData>;

/** `state_transitions.changes`: per partition, the top-level keys set and removed. */
export const PartitionChange = z.object({ set: JsonObject, removed: z.array(z.string()) });
export const StateChanges = z.partialRecord(
  z.enum(['localState', 'sharedState', 'sessionState', 'persistentState']),
  PartitionChange,
);
export type StateChanges = z.infer<typeof StateChanges>;

/** A context template's segments: what goes into a prompt, in order. */
export const ContextSegment = z.looseObject({
  kind: z.string().min(1),
  content: z.string().optional(),
  tokens: z.number().int().nonnegative().optional(),
});
export const ContextSegments = z.array(ContextSegment).min(1);
export type ContextSegments = z.infer<typeof ContextSegments>;
