// Storage of interaction events: one multi-row statement per batch (arrays unnested server-side,
// so a thousand events cost one round trip and one plan), idempotent by event_id.
import { type PrismaClient } from '../generated/prisma/client.js';
import { type InteractionRecord } from './interaction.domain.js';

export class InteractionRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Stores the events in one statement (one transaction); an event whose eventId is already stored,
   * or appears earlier in the batch, is skipped. Returns how many were stored.
   */
  async insert(records: readonly InteractionRecord[]): Promise<number> {
    if (records.length === 0) return 0;
    return this.prisma.$executeRaw`
      INSERT INTO interaction (event_id, user_token, product_id, type, occurred_at, order_id)
      SELECT * FROM unnest(
        ${records.map((r) => r.eventId)}::text[], ${records.map((r) => r.userToken)}::text[],
        ${records.map((r) => r.productId)}::uuid[], ${records.map((r) => r.type)}::text[],
        ${records.map((r) => r.occurredAt.toISOString())}::timestamptz[], ${records.map((r) => r.orderId)}::text[])
      ON CONFLICT (event_id) DO NOTHING`;
  }
}
