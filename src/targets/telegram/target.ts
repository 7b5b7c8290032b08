/** The telegram target's registry entry (see ../registry.ts). No `import.meta`: drizzle-kit loads it. */

import { generation, type Target } from '../../migrate/target';
import * as telegramHardening from '../../schema/telegram/hardening';
import * as telegramInitial from '../../schema/telegram/initial';
import * as telegramSendRetry from '../../schema/telegram/send-retry';
import * as telegramTaskQueue from '../../schema/telegram/task-queue';

export const telegram = {
  name: 'telegram',
  dialect: 'postgresql',
  seed: '002',
  description: 'Telegram dialog processor: users, sessions, encrypted credentials, dialogs, responses, task queue',
  generations: [
    generation('telegram', 'initial', telegramInitial),
    generation('telegram', 'hardening', telegramHardening),
    generation('telegram', 'task-queue', telegramTaskQueue),
    generation('telegram', 'send-retry', telegramSendRetry),
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
} as const satisfies Target;
