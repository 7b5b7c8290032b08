/** Ids shared by the telegram repositories (kept apart so modules import them without cycles). */
import { z } from 'zod';

export const UserId = z.guid();
export const DialogId = z.guid();
export const ResponseId = z.guid();
export const TaskId = z.guid();
export const SessionId = z.guid();
/** Telegram user ids are positive and have at most 52 significant bits. */
export const TelegramId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
