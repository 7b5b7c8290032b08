-- pgvector's own default for the vector type.
ALTER TABLE "agent_memories" ALTER COLUMN "embeddings" SET STORAGE EXTERNAL;
