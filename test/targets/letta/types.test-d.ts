import { describe, expectTypeOf, it } from 'vitest';
import type { Connection } from '../../../src/targets/connect';
import type {
  AgentPreferences,
  ClaimedEntry,
  claimNextQueueEntry,
  HistoryMessage,
  LettaDb,
  LettaUser,
  loadAgentHistory,
  PlatformProfile,
  Preferences,
  QueueEntry,
  RecordedMessage,
  RecordIncomingMessageInput,
  ResolvedIdentity,
  ResolveIdentityInput,
  recordAssistantMessage,
  resolveIdentity,
  UserDataDeletion,
} from '../../../src/targets/letta';

describe('letta types', () => {
  it("accepts connect('letta')'s handle and its transactions", () => {
    expectTypeOf<Connection<'letta'>['db']>().toExtend<LettaDb>();
    type Tx = Parameters<Parameters<Connection<'letta'>['db']['transaction']>[0]>[0];
    expectTypeOf<Tx>().toExtend<LettaDb>();
  });

  it('returns values, not promises: the repositories are synchronous', () => {
    expectTypeOf<ReturnType<typeof resolveIdentity>>().toEqualTypeOf<ResolvedIdentity>();
    expectTypeOf<ReturnType<typeof claimNextQueueEntry>>().toEqualTypeOf<ClaimedEntry | null>();
    expectTypeOf<ReturnType<typeof loadAgentHistory>>().toEqualTypeOf<HistoryMessage[]>();
    expectTypeOf<ReturnType<typeof recordAssistantMessage>['role']>().toEqualTypeOf<'user' | 'assistant' | null>();
    expectTypeOf<UserDataDeletion>().toEqualTypeOf<{
      queue: number;
      messages: number;
      profiles: number;
      users: number;
    }>();
  });

  it('makes callers handle an unqueued message (inactive user)', () => {
    expectTypeOf<RecordedMessage['queueEntry']>().toEqualTypeOf<QueueEntry | null>();
  });

  it('types rows from the schema and JSON columns from their zod schemas', () => {
    expectTypeOf<LettaUser['id']>().toEqualTypeOf<number>();
    expectTypeOf<LettaUser['agentPreferences']>().toEqualTypeOf<AgentPreferences | null>();
    expectTypeOf<LettaUser['isActive']>().toEqualTypeOf<boolean | null>();
    expectTypeOf<PlatformProfile['platformUserId']>().toEqualTypeOf<string | null>();
    expectTypeOf<QueueEntry['status']>().toEqualTypeOf<'pending' | 'processing' | 'done' | 'failed' | null>();
    expectTypeOf<Preferences['conversationHistoryLimit']>().toEqualTypeOf<number | null>();
    expectTypeOf<AgentPreferences['responseStyle']>().toEqualTypeOf<'concise' | 'balanced' | 'detailed' | undefined>();
  });

  it('takes a Telegram id as a number or text, and a Date for times', () => {
    expectTypeOf<{ platform: 'telegram'; platformUserId: 123456789 }>().toExtend<ResolveIdentityInput>();
    expectTypeOf<{ platform: 'email'; platformUserId: 'ada@example.com' }>().toExtend<ResolveIdentityInput>();
    expectTypeOf<RecordIncomingMessageInput['at']>().toEqualTypeOf<Date | undefined>();
  });
});
