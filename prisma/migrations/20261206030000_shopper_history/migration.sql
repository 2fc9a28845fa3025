-- A shopper's history (recommendedForUser, `like: [{ userToken }]`, excludeSeen): their events,
-- newest first, read at query time so new events count before the next training.
-- CreateIndex
CREATE INDEX "interaction_user_token_occurred_at_idx" ON "interaction"("user_token", "occurred_at" DESC);
