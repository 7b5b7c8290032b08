/**
 * What the agent target adds to the `chatstore` CLI (decision 023): `backfill agent`, seed 003's
 * copy of chat_messages into chat_messages_v2, then its validation.
 */
import type { TargetCli } from '../command';

export const cli = {
  backfill: {
    line: ['backfill agent [--db L] [--json]', 'copy chat_messages into chat_messages_v2, then validate'],
    text: `Copies chat_messages into chat_messages_v2 (seed 003's move to structured messages) in
resumable batches of 1000, each in its own transaction, keeping an old-id → new-id map in
chat_message_id_map; a rerun continues where the last one stopped. Then prints a validation
report per channel (counts and content checksums). The database must be at generation v2.
Exits 1 when validation finds a difference.`,

    run: (context) =>
      context.withDatabase('agent', async (agent) => {
        // Loaded when run: the other verbs never need the backfill's queries.
        const { runBackfill } = await import('./backfill');
        const bar = context.progress('backfill agent');
        const report = await runBackfill(agent.db, agent.client, {
          onProgress: bar && (({ done, total, batch }) => bar({ done, total, tag: `batch ${batch}` })),
        });
        context.print({ ok: report.validation.ok, ...report }, () => {
          const { result, validation } = report;
          context.out(
            `copied ${result.copied} message(s) in ${result.batches} batch(es); ${result.done}/${result.total} mapped`,
          );
          for (const c of validation.channels.filter((ch) => !ch.ok))
            context.err(
              `  channel ${c.channelId}: ${c.legacyCount} legacy, ${c.migratedCount} copied, checksums ${c.legacyChecksum} / ${c.migratedChecksum}`,
            );
          context.out(validation.ok ? `validation ok: ${validation.channels.length} channel(s)` : 'validation FAILED');
        });
        return report.validation.ok;
      }),
  },
} as const satisfies TargetCli;
