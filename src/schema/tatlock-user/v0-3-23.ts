/**
 * tatlock-user, generation `0.3.23` (seed 001, "Migration: 0.3.22 → 0.3.23 (Planned)"):
 * `memories` and `memory_topics` are dropped. Messages are in `conversation_messages`, topic
 * links in `conversation_topics`.
 * Frozen: a released generation never changes; add a new generation instead.
 */
export { personalVariables, personalVariablesKeys, shortTermStorage, topics } from './v0-3-19';
export { conversationMessages, conversations, messageRoles } from './v0-3-20';
export { conversationTopics } from './v0-3-21';
