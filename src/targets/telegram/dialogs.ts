/**
 * Dialogs (seed 002, "dialogs"): the Telegram chats a user selected for processing, their
 * configuration, which are due, and how far processing got. As in the application, `name`,
 * `unread_count` and `last_message` are what Telegram's dialog list showed when the chat was
 * selected or last refreshed; `last_processed_message_id` is the id as text and
 * `last_processed_at` when processing last advanced.
 */
import { and, asc, eq, exists, getTableColumns, notExists, sql } from 'drizzle-orm';
import { z } from 'zod';
import { parseInput } from '../../kit';
import { authenticationData, dialogs, dialogTypes, type JsonObject, processedResponses } from '../../schema/telegram';
import { DialogId, mapped, notFound, type TelegramDb, UserId } from './internal';

export type Dialog = typeof dialogs.$inferSelect;
export type DialogType = (typeof dialogTypes)[number];

/** Telegram message ids are positive integers, increasing per chat. */
export const MessageId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

const JsonObjectSchema = z.record(z.string(), z.unknown()) as z.ZodType<JsonObject>;

export const SelectDialogInput = z.object({
  userId: UserId,
  /** Telegram's chat id as text (group and channel ids are negative numbers). */
  telegramDialogId: z.string().trim().min(1).max(255),
  /** The chat's title as Telegram shows it. */
  name: z.string().trim().min(1).max(255),
  type: z.enum(dialogTypes),
  /** Unread messages when the dialog list was read; omitted keeps the stored count. */
  unreadCount: z.number().int().min(0).max(2_147_483_647).optional(),
  /** Telegram's last message of the chat as the dialog list gave it; omitted keeps the stored one. */
  lastMessage: JsonObjectSchema.optional(),
  isProcessingEnabled: z.boolean().default(true),
  autoSendEnabled: z.boolean().default(false),
});
export type SelectDialogInput = z.input<typeof SelectDialogInput>;

export const ConfigureDialogInput = z
  .object({
    dialogId: DialogId,
    userId: UserId,
    isProcessingEnabled: z.boolean().optional(),
    autoSendEnabled: z.boolean().optional(),
  })
  .refine((v) => v.isProcessingEnabled !== undefined || v.autoSendEnabled !== undefined, {
    message: 'nothing to change: give isProcessingEnabled or autoSendEnabled',
  });
export type ConfigureDialogInput = z.input<typeof ConfigureDialogInput>;

export const DueDialogsInput = z.object({
  limit: z.number().int().min(1).max(1000).default(100),
  userId: UserId.optional(),
});
export type DueDialogsInput = z.input<typeof DueDialogsInput>;

export const AdvanceInput = z.object({ dialogId: DialogId, messageId: MessageId });
export type AdvanceInput = z.input<typeof AdvanceInput>;

/**
 * Selects a Telegram chat for processing (seed: "Create entries for selected Telegram chats →
 * set is_processing_enabled = true → set auto_send_enabled based on user preference"). Selecting
 * a chat the user already selected updates its name, type, settings and, when given, its unread
 * count and last message, and keeps its progress.
 * An unknown user is `FOREIGN_KEY` on `userId`.
 *
 * @example
 * const dialog = await selectDialog(db, {
 *   userId, telegramDialogId: '-1001234', name: 'Climbing club', type: 'GROUP', autoSendEnabled: true,
 * });
 */
export async function selectDialog(db: TelegramDb, input: SelectDialogInput): Promise<Dialog> {
  const values = parseInput(SelectDialogInput, input, 'dialogs');
  const { unreadCount, lastMessage } = values;
  const [dialog] = await mapped('dialogs', () =>
    db
      .insert(dialogs)
      .values({ ...values, unreadCount: unreadCount ?? 0, lastMessage: lastMessage ?? {} })
      .onConflictDoUpdate({
        target: [dialogs.userId, dialogs.telegramDialogId],
        set: {
          name: values.name,
          type: values.type,
          isProcessingEnabled: values.isProcessingEnabled,
          autoSendEnabled: values.autoSendEnabled,
          ...(unreadCount === undefined ? {} : { unreadCount }),
          ...(lastMessage === undefined ? {} : { lastMessage }),
          updatedAt: sql`now()`,
        },
      })
      .returning(),
  );
  return dialog as Dialog;
}

/**
 * Changes a dialog's `is_processing_enabled` and/or `auto_send_enabled`. Only its owner may:
 * a missing dialog or someone else's is `NOT_FOUND` on `dialogId`.
 *
 * @example
 * await configureDialog(db, { dialogId, userId, autoSendEnabled: false });
 */
export async function configureDialog(db: TelegramDb, input: ConfigureDialogInput): Promise<Dialog> {
  const { dialogId, userId, isProcessingEnabled, autoSendEnabled } = parseInput(ConfigureDialogInput, input, 'dialogs');
  const [dialog] = await mapped('dialogs', () =>
    db
      .update(dialogs)
      .set({ isProcessingEnabled, autoSendEnabled, updatedAt: sql`now()` })
      .where(and(eq(dialogs.id, dialogId), eq(dialogs.userId, userId)))
      .returning(),
  );
  if (!dialog) throw notFound('dialogs', 'dialogId', dialogId);
  return dialog;
}

/**
 * A user's dialogs, in the order they were selected.
 *
 * @example
 * const mine = await listDialogs(db, userId);
 */
export async function listDialogs(db: TelegramDb, userId: string): Promise<Dialog[]> {
  const id = parseInput(UserId, userId, 'dialogs');
  return mapped('dialogs', () =>
    db.select().from(dialogs).where(eq(dialogs.userId, id)).orderBy(asc(dialogs.createdAt), asc(dialogs.id)),
  );
}

/**
 * Dialogs the background worker should process now: processing enabled, the owner has active
 * credentials (nothing can be fetched otherwise), and no approved response is waiting to be
 * sent (a new suggestion could not be stored). Never processed first, then least recently
 * processed, so repeated calls go round all dialogs.
 *
 * @example
 * for (const dialog of await listDialogsDueForProcessing(db, { limit: 50 })) await enqueueTask(db, {…});
 */
export async function listDialogsDueForProcessing(db: TelegramDb, input: DueDialogsInput = {}): Promise<Dialog[]> {
  const { limit, userId } = parseInput(DueDialogsInput, input, 'dialogs');
  const credentials = db
    .select({ one: sql`1` })
    .from(authenticationData)
    .where(and(eq(authenticationData.userId, dialogs.userId), eq(authenticationData.isActive, true)));
  const awaitingSend = db
    .select({ one: sql`1` })
    .from(processedResponses)
    .where(and(eq(processedResponses.dialogId, dialogs.id), eq(processedResponses.status, 'APPROVED')));
  return mapped('dialogs', () =>
    db
      .select(getTableColumns(dialogs))
      .from(dialogs)
      .where(
        and(
          // Literal, not a parameter: the planner matches it to the partial index ix_dialogs_due.
          sql`${dialogs.isProcessingEnabled} = true`,
          userId === undefined ? undefined : eq(dialogs.userId, userId),
          exists(credentials),
          notExists(awaitingSend),
        ),
      )
      .orderBy(sql`${dialogs.lastProcessedAt} asc nulls first`, asc(dialogs.id))
      .limit(limit),
  );
}

/**
 * Records that messages up to `messageId` were processed, and when (`last_processed_at`).
 * Progress only moves forward: the update is conditional, so an older id (a late or repeated
 * worker run) changes nothing and `advanced` is false. The id is stored as text, as the
 * application does; a stored value that is not a number (written by the application) is
 * replaced. A missing dialog is `NOT_FOUND` on `dialogId`.
 *
 * @example
 * const { advanced } = await advanceLastProcessedMessage(db, { dialogId, messageId: 9001 });
 */
export async function advanceLastProcessedMessage(
  db: TelegramDb,
  input: AdvanceInput,
): Promise<{ advanced: boolean; dialog: Dialog }> {
  const { dialogId, messageId } = parseInput(AdvanceInput, input, 'dialogs');
  const [dialog] = await mapped('dialogs', () =>
    db
      .update(dialogs)
      .set({ lastProcessedMessageId: String(messageId), lastProcessedAt: sql`now()`, updatedAt: sql`now()` })
      .where(
        and(
          eq(dialogs.id, dialogId),
          // Compared as numbers: as text, '9' > '10'.
          sql`(${dialogs.lastProcessedMessageId} is null or ${dialogs.lastProcessedMessageId} !~ '^[0-9]{1,18}$'
            or ${dialogs.lastProcessedMessageId}::bigint < ${messageId})`,
        ),
      )
      .returning(),
  );
  if (dialog) return { advanced: true, dialog };
  const [current] = await mapped('dialogs', () => db.select().from(dialogs).where(eq(dialogs.id, dialogId)).limit(1));
  if (!current) throw notFound('dialogs', 'dialogId', dialogId);
  return { advanced: false, dialog: current };
}
