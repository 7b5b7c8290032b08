import { describe, expectTypeOf, it } from 'vitest';
import type { Connection } from '../../../src/targets/connect';
import {
  type AsUserOptions,
  type appendMessage,
  asUser,
  type Conversation,
  type ConversationExport,
  type ConversationMetadata,
  type CreateTaskInput,
  type CreateUserInput,
  type HistoryPage,
  type listConversations,
  type loadConversationHistory,
  type Message,
  type MessageRole,
  type NewMessageInput,
  type RecentActivity,
  type StartConversationInput,
  type Task,
  type TodoDb,
  type TodoSchema,
  type TodoTx,
  type TypedTodoDb,
  type touchConversation,
  type UpdateTaskInput,
  type User,
  type UserDataDeletion,
} from '../../../src/targets/todo';

describe('todo row types (derived from the schema)', () => {
  it('pins Message, Conversation, ConversationMetadata, Task and User', () => {
    expectTypeOf<Message>().toEqualTypeOf<{
      id: string;
      conversationId: string;
      userId: string;
      role: 'user' | 'assistant';
      content: string;
      toolUsed: string | null;
      actionTaken: string | null;
      createdAt: Date | null;
    }>();
    expectTypeOf<MessageRole>().toEqualTypeOf<'user' | 'assistant'>();
    expectTypeOf<Conversation>().toEqualTypeOf<{
      id: string;
      userId: string;
      createdAt: Date | null;
      updatedAt: Date | null;
      archivedAt: Date | null;
    }>();
    expectTypeOf<ConversationMetadata>().toEqualTypeOf<{
      id: string;
      conversationId: string;
      topic: string | null;
      taskCountCreated: number | null;
      taskCountCompleted: number | null;
      messageCount: number | null;
    }>();
    expectTypeOf<Task>().toEqualTypeOf<{
      id: number;
      userId: string;
      title: string;
      description: string | null;
      completed: boolean | null;
      createdAt: Date | null;
      updatedAt: Date | null;
      completedAt: Date | null;
    }>();
    expectTypeOf<User>().toEqualTypeOf<{ id: string; email: string; name: string | null; createdAt: Date }>();
  });

  it('serialises dates as strings in exports', () => {
    expectTypeOf<ConversationExport['conversation']['createdAt']>().toEqualTypeOf<string | null>();
    expectTypeOf<ConversationExport['messages'][number]['role']>().toEqualTypeOf<'user' | 'assistant'>();
    expectTypeOf<ConversationExport['metadata']>().toEqualTypeOf<{
      id: string;
      conversationId: string;
      topic: string | null;
      taskCountCreated: number | null;
      taskCountCompleted: number | null;
      messageCount: number | null;
    } | null>();
  });
});

describe('todo input types (z.input of the validating schemas)', () => {
  it('pins NewMessageInput', () => {
    expectTypeOf<NewMessageInput>().toEqualTypeOf<{
      conversationId: string;
      userId: string;
      role: 'user' | 'assistant';
      content: string;
      toolUsed?: string | null | undefined;
      actionTaken?: string | null | undefined;
    }>();
    // @ts-expect-error 'system' is not a message role
    const bad: NewMessageInput = { conversationId: 'c', userId: 'u', role: 'system', content: 'x' };
    void bad;
  });

  it('pins the other inputs', () => {
    expectTypeOf<StartConversationInput>().toEqualTypeOf<{ userId: string; topic?: string | undefined }>();
    expectTypeOf<CreateTaskInput>().toEqualTypeOf<{
      userId: string;
      title: string;
      description?: string | null | undefined;
    }>();
    expectTypeOf<UpdateTaskInput>().toEqualTypeOf<{
      taskId: number;
      userId: string;
      title?: string | undefined;
      description?: string | null | undefined;
      completed?: boolean | undefined;
    }>();
    expectTypeOf<CreateUserInput>().toEqualTypeOf<{
      id: string;
      email: string;
      name?: string | null | undefined;
    }>();
    expectTypeOf<AsUserOptions>().toEqualTypeOf<{ role?: string | undefined }>();
  });
});

describe('todo handles and hot-path signatures', () => {
  it('accepts a connection handle and a transaction alike', () => {
    expectTypeOf<Connection<'todo'>['db']>().toExtend<TodoDb>();
    expectTypeOf<TodoTx>().toExtend<TodoDb>();
    expectTypeOf<TypedTodoDb>().toExtend<TodoDb>();
    expectTypeOf<TodoTx<TodoSchema>>().toExtend<TodoDb>();
    expectTypeOf<typeof appendMessage>().parameter(0).toEqualTypeOf<TodoDb>();
  });

  it('keeps the caller’s schema type inside asUser', () => {
    const typed = {} as TypedTodoDb;
    expectTypeOf(
      asUser(typed, 'u1', async (tx) => {
        expectTypeOf(tx).toEqualTypeOf<TodoTx<TodoSchema>>();
        return 42;
      }),
    ).resolves.toEqualTypeOf<number>();
  });

  it('returns typed rows', () => {
    expectTypeOf<typeof appendMessage>().returns.resolves.toEqualTypeOf<Message>();
    expectTypeOf<typeof loadConversationHistory>().returns.resolves.toEqualTypeOf<HistoryPage>();
    expectTypeOf<HistoryPage>().toEqualTypeOf<{ messages: Message[]; nextCursor: string | null }>();
    expectTypeOf<typeof listConversations>().returns.resolves.toEqualTypeOf<Conversation[]>();
    expectTypeOf<typeof touchConversation>().returns.resolves.toEqualTypeOf<Conversation>();
    expectTypeOf<RecentActivity>().toEqualTypeOf<
      Pick<Message, 'id' | 'conversationId' | 'createdAt' | 'role' | 'content' | 'toolUsed'>
    >();
    expectTypeOf<UserDataDeletion[keyof UserDataDeletion]>().toEqualTypeOf<number>();
  });
});
