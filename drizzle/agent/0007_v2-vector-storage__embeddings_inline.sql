-- A 1536-dimension embedding (6 KB) fits in its row's page. pgvector's type stores it out of line
-- (TOAST) by default, so agent_memories looked like a few hundred pages to the planner while a
-- scan reads tens of thousands: at 30,000 memories searchMemories chose a sequential scan and
-- sort over the hnsw index (321 ms instead of 5-8 ms, decision 028). MAIN keeps new and updated
-- embeddings in the row. Metadata only: no rewrite, no lock held for long; rows written before
-- keep their storage until they are next updated.
ALTER TABLE "agent_memories" ALTER COLUMN "embeddings" SET STORAGE MAIN;
