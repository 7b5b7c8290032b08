-- Extensions the `v2` generation needs, before its tables (drizzle-kit never emits these).
-- Only pgvector: ids default to the built-in gen_random_uuid() (PostgreSQL 13+), not the
-- seed's uuid_generate_v4(), so uuid-ossp is not needed (docs/seed-deviations.md).
CREATE EXTENSION IF NOT EXISTS vector;
