/**
 * Dialogs (seed 002, "dialogs"): the Telegram chats a user selected for processing, their
 * configuration, which are due, and how far processing got.
 */
import { and, asc, eq, exists, getTableColumns, notExists, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { authenticationData, dialogs, dialogTypes, processedResponses } from '../../schema/telegram';
import { parseInput } from '../shared';
import { DialogId, UserId } from './ids';
import { mapped, notFound, type TelegramDb } from './internal';

export type Dialog = typeof dialogs.$inferSelect;
export type DialogType = (typeof dialogTypes)[number];

/** Telegram message ids are positive integers, increasing per chat. */
export const MessageId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const SelectDialogInput = z.object({
  userId: UserId,
  /** Telegram's chat id as text (group and channel ids are negative numbers). */
  telegramDialogId: z.string().trim().min(1).max(255),
  type: z.enum(dialogTypes),
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
 * a chat the user already selected updates its type and settings and keeps its progress.
 * An unknown user is `FOREIGN_KEY` on `userId`.
 *
 * @example
 * const dialog = await selectDialog(db, { userId, telegramDialogId: '-1001234', type: 'GROUP', autoSendEnabled: true });
 */
export async function selectDialog(db: TelegramDb, input: SelectDialogInput): Promise<Dialog> {
  const values = parseInput(SelectDialogInput, input, 'dialogs');
  const [dialog] = await mapped('dialogs', () =>
    db
      .insert(dialogs)
      .values(values)
      .onConflictDoUpdate({
        target: [dialogs.userId, dialogs.telegramDialogId],
        set: {
          type: values.type,
          isProcessingEnabled: values.isProcessingEnabled,
          autoSendEnabled: values.autoSendEnabled,
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
 * sent (a new suggestion could not be stored). Least recently touched first, so repeated calls
 * go round all dialogs.
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
          eq(dialogs.isProcessingEnabled, true),
          userId === undefined ? undefined : eq(dialogs.userId, userId),
          exists(credentials),
          notExists(awaitingSend),
        ),
      )
      .orderBy(asc(dialogs.updatedAt), asc(dialogs.id))
      .limit(limit),
  );
}

/**
 * Records that messages up to `messageId` were processed. Progress only moves forward: the
 * update is conditional, so an older id (a late or repeated worker run) changes nothing and
 * `advanced` is false. A missing dialog is `NOT_FOUND` on `dialogId`.
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
      .set({ lastProcessedMessageId: messageId, updatedAt: sql`now()` })
      .where(
        and(
          eq(dialogs.id, dialogId),
          or(sql`${dialogs.lastProcessedMessageId} is null`, sql`${dialogs.lastProcessedMessageId} < ${messageId}`),
        ),
      )
      .returning(),
  );
  if (dialog) return { advanced: true, dialog };
  const [current] = await mapped('dialogs', () => db.select().from(dialogs).where(eq(dialogs.id, dialogId)).limit(1));
  if (!current) throw notFound('dialogs', 'dialogId', dialogId);
  return { advanced: false, dialog: current };
}
