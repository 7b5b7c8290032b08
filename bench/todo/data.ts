/**
 * The bench data set: users, conversations, their messages and conversation_metadata, as
 * COPY text (tab-separated, `\N` for NULL). Deterministic for a seed, except the uuids.
 *
 * Shape (defaults): 1,000 users, 10,000 conversations of 50–150 messages (~100), alternating
 * user/assistant, ~30 % of assistant turns running an MCP tool (~12 % `add_task`). Messages
 * are emitted in time order within groups of 100 conversations that run concurrently, so a
 * conversation's rows are spread over the heap as they are in a live database, not packed.
 */
import { randomUUID } from 'node:crypto';
import { prng } from '../../support/random';
import type { BenchConfig } from './config';

/** Message kinds: 0 a user turn, 1 a plain assistant reply, 2…6 an assistant turn using add_task, list_tasks, complete_task, delete_task, update_task. */
const KIND_USER = 0;
const KIND_REPLY = 1;
const KIND_TOOL = 2; // + index in `tools`

export interface ConversationPlan {
  readonly id: string;
  readonly userId: string;
  /** Index of its first message in `Dataset.times` / `kinds`. */
  readonly first: number;
  readonly count: number;
  readonly topic: string;
}

export interface Dataset {
  readonly userIds: readonly string[];
  readonly conversations: readonly ConversationPlan[];
  /** Message times (epoch ms), each conversation's messages contiguous and ascending. */
  readonly times: Float64Array;
  readonly kinds: Uint8Array;
  readonly messages: number;
  /** Rows over all four tables. */
  readonly totalRows: number;
}

const pick = <T>(rand: () => number, list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;

const GROUP = 100;
const DAY = 86_400_000;
const SPAN_START = Date.UTC(2025, 0, 1);
const SPAN = 180 * DAY;

/** Plans every conversation: owner, message count, times and kinds. Content comes later. */
export function planDataset(config: BenchConfig): Dataset {
  const rand = prng(config.seed);
  const userIds = Array.from({ length: config.users }, (_, i) => `user_${String(i + 1).padStart(6, '0')}`);
  // Message counts: random weights in [0.5, 1.5], rounded so they sum to exactly `messages`.
  const weights = Array.from({ length: config.conversations }, () => 0.5 + rand());
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const times = new Float64Array(config.messages);
  const kinds = new Uint8Array(config.messages);
  const conversations: ConversationPlan[] = [];
  const groups = Math.ceil(config.conversations / GROUP);
  const window = SPAN / groups;
  let cumulative = 0;
  let first = 0;
  for (let c = 0; c < config.conversations; c++) {
    cumulative += weights[c] as number;
    const end =
      c === config.conversations - 1 ? config.messages : Math.round((cumulative / totalWeight) * config.messages);
    const count = end - first;
    let t = SPAN_START + Math.floor(c / GROUP) * window + rand() * window * 0.7;
    for (let m = 0; m < count; m++) {
      const i = first + m;
      times[i] = t;
      if (m % 2 === 0) {
        kinds[i] = KIND_USER;
        t += 1_000 + rand() * 4_000; // the assistant answers within seconds
      } else {
        const r = rand();
        kinds[i] =
          r < 0.12
            ? KIND_TOOL
            : r < 0.2
              ? KIND_TOOL + 1
              : r < 0.26
                ? KIND_TOOL + 2
                : r < 0.28
                  ? KIND_TOOL + 3
                  : r < 0.3
                    ? KIND_TOOL + 4
                    : KIND_REPLY;
        t += 10_000 + -Math.log(1 - rand()) * 240_000; // the user comes back after minutes
      }
    }
    conversations.push({ id: randomUUID(), userId: pick(rand, userIds), first, count, topic: pick(rand, topics) });
    first = end;
  }
  return {
    userIds,
    conversations,
    times,
    kinds,
    messages: config.messages,
    totalRows: config.users + 2 * config.conversations + config.messages,
  };
}

/** `timestamp without time zone` text: `2025-01-01 12:00:00.123`. */
export const timestampText = (ms: number): string => {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
};

export function* usersCopy(data: Dataset): Generator<string> {
  const lines = data.userIds.map(
    (id, i) => `${id}\t${id}@example.com\tUser ${i + 1}\t${timestampText(SPAN_START - DAY + i * 1000)}\n`,
  );
  yield lines.join('');
}

export function* conversationsCopy(data: Dataset): Generator<string> {
  let lines: string[] = [];
  for (const c of data.conversations) {
    const created = data.times[c.first] ?? SPAN_START;
    const updated = data.times[c.first + c.count - 1] ?? created;
    lines.push(`${c.id}\t${c.userId}\t${timestampText(created)}\t${timestampText(updated)}\n`);
    if (lines.length === 10_000) {
      yield lines.join('');
      lines = [];
    }
  }
  if (lines.length > 0) yield lines.join('');
}

export function* metadataCopy(data: Dataset): Generator<string> {
  let lines: string[] = [];
  for (const c of data.conversations) {
    let created = 0;
    let completed = 0;
    for (let i = c.first; i < c.first + c.count; i++) {
      if (data.kinds[i] === KIND_TOOL) created++;
      if (data.kinds[i] === KIND_TOOL + 2) completed++;
    }
    lines.push(`${c.id}\t${c.topic}\t${created}\t${completed}\t${c.count}\n`);
    if (lines.length === 10_000) {
      yield lines.join('');
      lines = [];
    }
  }
  if (lines.length > 0) yield lines.join('');
}

export const userColumns = 'id, email, name, created_at';
export const conversationColumns = 'id, user_id, created_at, updated_at';
export const metadataColumns = 'conversation_id, topic, task_count_created, task_count_completed, message_count';
export const messageColumns = 'id, conversation_id, user_id, role, content, tool_used, action_taken, created_at';

/**
 * Messages as COPY text, one chunk per group of concurrently running conversations (~10,000
 * rows, ~1.5 MB), rows of a group in time order.
 */
export function* messagesCopy(data: Dataset, seed: number): Generator<string> {
  const rand = prng(seed * 7919 + 1);
  const { conversations, times, kinds } = data;
  const owner = new Int32Array(data.messages); // index in its group of a message's conversation
  for (let g = 0; g < conversations.length; g += GROUP) {
    const group = conversations.slice(g, g + GROUP);
    const order: number[] = [];
    for (const [k, c] of group.entries()) {
      for (let i = c.first; i < c.first + c.count; i++) {
        order.push(i);
        owner[i - (group[0] as ConversationPlan).first] = k;
      }
    }
    order.sort((a, b) => (times[a] as number) - (times[b] as number));
    const lines: string[] = new Array(order.length);
    for (const [n, i] of order.entries()) {
      const c = group[owner[i - (group[0] as ConversationPlan).first] as number] as ConversationPlan;
      const kind = kinds[i] as number;
      const next = i + 1 < c.first + c.count ? (kinds[i + 1] as number) : KIND_REPLY;
      const m = kind === KIND_USER ? userTurn(rand, next) : assistantTurn(rand, kind);
      lines[n] =
        `${randomUUID()}\t${c.id}\t${c.userId}\t${m.role}\t${m.content}\t${m.tool ?? '\\N'}\t${m.action ?? '\\N'}\t${timestampText(times[i] as number)}\n`;
    }
    yield lines.join('');
  }
}

export interface MessageText {
  role: 'user' | 'assistant';
  content: string;
  tool: string | null;
  action: string | null;
}

const topics = [
  'Groceries and errands',
  'Work deadlines',
  'Home repairs',
  'Travel planning',
  'Weekly review',
  'Health appointments',
  'Bills and paperwork',
  'Birthday party',
];

const chores = [
  'buy groceries',
  'call the dentist',
  'renew my passport',
  'pay the electricity bill',
  'book flights to Lisbon',
  'water the plants',
  'finish the quarterly report',
  'send the invoice to Acme',
  'pick up the dry cleaning',
  'schedule a team meeting',
  'clean the garage',
  'fix the leaking tap',
  'prepare slides for Monday',
  'review pull request 42',
  'order a birthday cake',
  'walk the dog',
  'reply to the landlord',
  'back up my laptop',
];

const whens = ['today', 'tomorrow', 'this weekend', 'next Monday', 'by Friday', 'tonight', 'at 5pm', 'next week'];

const title = (chore: string) => chore.charAt(0).toUpperCase() + chore.slice(1);

function userTurn(rand: () => number, next: number): MessageText {
  const chore = pick(rand, chores);
  const when = pick(rand, whens);
  const n = 1 + Math.floor(rand() * 9);
  const r = rand();
  let content: string;
  switch (next) {
    case KIND_TOOL:
      content =
        r < 0.4
          ? `Add a task to ${chore} ${when}`
          : r < 0.7
            ? `Remind me to ${chore} ${when}, please`
            : `Can you put "${chore}" on my list for ${when}?`;
      break;
    case KIND_TOOL + 1:
      content =
        r < 0.4
          ? `What do I have to do ${when}?`
          : r < 0.7
            ? 'Show me my pending tasks'
            : `List everything I still need to do ${when}`;
      break;
    case KIND_TOOL + 2:
      content = r < 0.5 ? `I finished the task to ${chore}, mark it as done` : `Mark task ${n} as complete`;
      break;
    case KIND_TOOL + 3:
      content = r < 0.5 ? `Remove the task about ${chore}` : `Delete task ${n}, I don't need it anymore`;
      break;
    case KIND_TOOL + 4:
      content = r < 0.5 ? `Move "${chore}" to ${when}` : `Change task ${n} so it is due ${when}`;
      break;
    default:
      content =
        r < 0.2
          ? 'Thanks!'
          : r < 0.4
            ? 'How do priorities work in this app?'
            : r < 0.6
              ? `I keep forgetting things I planned for ${when}. Any tips for organising my week better?`
              : r < 0.8
                ? `What's the difference between completing and deleting a task?`
                : 'Great, that helps a lot.';
  }
  return { role: 'user', content, tool: null, action: null };
}

function assistantTurn(rand: () => number, kind: number): MessageText {
  const chore = title(pick(rand, chores));
  const when = pick(rand, whens);
  const id = 1 + Math.floor(rand() * 5000);
  const pending = 1 + Math.floor(rand() * 12);
  switch (kind) {
    case KIND_TOOL:
      return {
        role: 'assistant',
        content: `Done! I've added "${chore}" to your tasks for ${when}. You now have ${pending} pending tasks.`,
        tool: 'add_task',
        action: `Created task #${id}: ${chore}`,
      };
    case KIND_TOOL + 1:
      return {
        role: 'assistant',
        content: `You have ${pending} pending tasks. The most urgent are "${chore}", "${title(pick(rand, chores))}" and "${title(pick(rand, chores))}".`,
        tool: 'list_tasks',
        action: `Listed ${pending} pending tasks`,
      };
    case KIND_TOOL + 2:
      return {
        role: 'assistant',
        content: `Nice work! I've marked "${chore}" as complete.`,
        tool: 'complete_task',
        action: `Completed task #${id}`,
      };
    case KIND_TOOL + 3:
      return {
        role: 'assistant',
        content: `I've removed "${chore}" from your list.`,
        tool: 'delete_task',
        action: `Deleted task #${id}`,
      };
    case KIND_TOOL + 4:
      return {
        role: 'assistant',
        content: `Updated "${chore}": it is now due ${when}.`,
        tool: 'update_task',
        action: `Updated task #${id} due date`,
      };
    default:
      return {
        role: 'assistant',
        content: pick(rand, [
          'You can set a priority when you add a task, for example "add a high-priority task to call the bank". I will list high-priority tasks first.',
          'Completing a task keeps it in your history as done; deleting it removes it for good. Most people complete tasks and delete only mistakes.',
          'A good habit is a short weekly review: ask me to list your pending tasks every Sunday evening and move anything that slipped.',
          "You're welcome! Tell me whenever you want to add, update or complete a task.",
          'Happy to help. Anything else on your list?',
        ]),
        tool: null,
        action: null,
      };
  }
}

/** A fresh message for the append hot path, like the ones imported. */
export function freshMessage(rand: () => number): MessageText {
  return rand() < 0.5 ? userTurn(rand, KIND_TOOL) : assistantTurn(rand, rand() < 0.4 ? KIND_TOOL : KIND_REPLY);
}
