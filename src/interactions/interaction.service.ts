// Recording shopper interactions: the whole batch is validated (shape, then every product
// reference in one query) before one statement stores it, so a rejected batch writes nothing and
// a resent one is counted as duplicates by eventId.
import { type ProductService } from '../catalogue/product.service.js';
import { type FieldProblem, ValidationError } from '../errors/domain-errors.js';
import { checkBatch } from './interaction-batch.js';
import {
  type InteractionInput,
  type InteractionRecord,
  type RecordInteractionsResult,
} from './interaction.domain.js';
import { type InteractionRepository } from './interaction.repository.js';

export interface InteractionSettings {
  /** How far in the future occurredAt may lie (EVENTS_MAX_CLOCK_SKEW_SECONDS). */
  readonly maxClockSkewMs: number;
}

export class InteractionService {
  constructor(
    private readonly interactions: InteractionRepository,
    private readonly products: ProductService,
    private readonly settings: InteractionSettings,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async record(events: readonly InteractionInput[], field = 'events'): Promise<RecordInteractionsResult> {
    const now = this.clock();
    checkBatch(events, { now, maxClockSkewMs: this.settings.maxClockSkewMs, field });
    if (events.length === 0) return { accepted: 0, duplicates: 0 };
    const records = await this.resolveProducts(events, now, field);
    const accepted = await this.interactions.insert(records);
    return { accepted, duplicates: records.length - accepted };
  }

  /** Every event with its product id; BAD_USER_INPUT naming each event whose product does not exist. */
  private async resolveProducts(
    events: readonly InteractionInput[],
    now: Date,
    field: string,
  ): Promise<InteractionRecord[]> {
    const known = await this.products.resolveReferences(
      events.flatMap((event) => (event.productId != null ? [event.productId] : [])),
      events.flatMap((event) => (event.sku != null ? [event.sku] : [])),
    );
    const problems: FieldProblem[] = [];
    const records = events.map((event, index): InteractionRecord | null => {
      let productId: string | undefined;
      if (event.productId != null) {
        productId = event.productId.toLowerCase();
        if (!known.ids.has(productId)) {
          problems.push({
            field: `${field}[${index}].productId`,
            message: `no product has id ${event.productId}`,
          });
          return null;
        }
      } else {
        productId = known.idsBySku.get(event.sku!);
        if (!productId) {
          problems.push({
            field: `${field}[${index}].sku`,
            message: `no product has SKU ${JSON.stringify(event.sku)}`,
          });
          return null;
        }
      }
      return {
        eventId: event.eventId ?? null,
        userToken: event.userToken,
        productId,
        type: event.type,
        occurredAt: event.occurredAt ?? now,
        orderId: event.orderId ?? null,
      };
    });
    if (problems.length > 0) throw new ValidationError(problems);
    return records as InteractionRecord[];
  }
}
