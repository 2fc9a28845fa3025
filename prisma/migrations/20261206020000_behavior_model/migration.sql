-- CreateTable
CREATE TABLE "behavior_model" (
    "version" SERIAL NOT NULL,
    "state" TEXT NOT NULL,
    "dimension" INTEGER NOT NULL,
    "parameters" JSONB NOT NULL,
    "users" INTEGER,
    "items" INTEGER,
    "interactions" INTEGER,
    "progress" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "phase" TEXT,
    "error" TEXT,
    "queued_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "heartbeat_at" TIMESTAMPTZ(3),
    "trained_at" TIMESTAMPTZ(3),
    "training_ms" INTEGER,

    CONSTRAINT "behavior_model_pkey" PRIMARY KEY ("version")
);

-- Beyond what Prisma can express (kept in sync by test/schema-drift.test.ts):
ALTER TABLE "behavior_model" ADD CONSTRAINT "behavior_model_state_check"
    CHECK ("state" IN ('QUEUED', 'TRAINING', 'READY', 'FAILED'));
-- At most one training waits or runs at a time.
CREATE UNIQUE INDEX "behavior_model_one_pending_idx" ON "behavior_model" ((true))
    WHERE "state" IN ('QUEUED', 'TRAINING');
-- BEHAVIOR item vectors live beside the image spaces' vectors, one model id per trained version.
ALTER TABLE "product_embedding" DROP CONSTRAINT "product_embedding_space_check";
ALTER TABLE "product_embedding" ADD CONSTRAINT "product_embedding_space_check" CHECK ("space" IN ('IMAGE', 'CLIP', 'BEHAVIOR'));
ALTER TABLE "embedding_space" DROP CONSTRAINT "embedding_space_space_check";
ALTER TABLE "embedding_space" ADD CONSTRAINT "embedding_space_space_check" CHECK ("space" IN ('IMAGE', 'CLIP', 'BEHAVIOR'));
