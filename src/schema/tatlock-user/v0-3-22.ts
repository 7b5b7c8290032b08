/**
 * tatlock-user, generation `0.3.22` (seed 001, "Migration: 0.3.21 → 0.3.22 (Planned)"):
 * `conversation_compacts` is dropped; a conversation's latest compact lives in
 * `conversations.compact_summary` / `compacted_up_to` (moved there by `0.3.22__move_compacts`).
 * Frozen: a released generation never changes; add a new generation instead.
 */
export { memoryTopics, personalVariables, personalVariablesKeys, shortTermStorage, topics } from './v0-3-19';
export { conversationMessages, conversations, messageRoles } from './v0-3-20';
export { conversationTopics, memories } from './v0-3-21';
