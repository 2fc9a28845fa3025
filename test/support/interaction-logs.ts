// Generated interaction logs with planted structure, for behaviour tests: items fall into taste
// groups, each shopper has one or two favourite groups and mostly interacts within them (in time
// order), plus noise drawn by a skewed popularity over the whole catalogue; and orders in which a
// product is bought with its planted complement.
import { type LoggedInteraction } from '../../src/behavior/offline-evaluation.js';
import { seededRandom } from './onnx-fixtures.js';

export interface PlantedLogOptions {
  readonly users: number;
  readonly items: number;
  readonly groups: number;
  readonly eventsPerUser: number;
  /** Share of a shopper's events drawn from the whole catalogue by popularity instead of their groups. */
  readonly noise: number;
  readonly seed: number;
  /**
   * Share of shoppers whose taste moves: in the second half of their history they turn to a new
   * group (what leave-last-out rewards a model for noticing). Default 0.
   */
  readonly drift?: number;
}

export interface PlantedLog {
  readonly events: LoggedInteraction[];
  /** The taste group of each item (`item-<n>`). */
  readonly groupOf: (item: string) => number;
}

export function plantedLog(options: PlantedLogOptions): PlantedLog {
  const random = seededRandom(options.seed);
  const groupOfIndex = (index: number) => index % options.groups;
  const members = Array.from({ length: options.groups }, (_, group) =>
    Array.from({ length: options.items }, (_, index) => index).filter(
      (index) => groupOfIndex(index) === group,
    ),
  );
  // Zipf-like popularity for the noise.
  const weights = Array.from(
    { length: options.items },
    (_, index) => 1 / (1 + ((index * 7919) % options.items)),
  );
  const total = weights.reduce((sum, w) => sum + w, 0);
  const popular = () => {
    let x = random() * total;
    for (let index = 0; index < weights.length; index++) {
      x -= weights[index]!;
      if (x <= 0) return index;
    }
    return weights.length - 1;
  };
  const events: LoggedInteraction[] = [];
  const start = Date.UTC(2026, 0, 1);
  for (let user = 0; user < options.users; user++) {
    const favourites = [Math.floor(random() * options.groups)];
    if (random() < 0.4) favourites.push(Math.floor(random() * options.groups));
    const drifts = random() < (options.drift ?? 0);
    const later = [Math.floor(random() * options.groups)];
    for (let n = 0; n < options.eventsPerUser; n++) {
      if (drifts && n === Math.floor(options.eventsPerUser / 2))
        favourites.splice(0, favourites.length, ...later);
      let item: number;
      if (random() < options.noise) {
        item = popular();
      } else {
        const group = members[favourites[Math.floor(random() * favourites.length)]!]!;
        item = group[Math.floor(random() * group.length)]!;
      }
      events.push({
        user: `user-${user}`,
        item: `item-${item}`,
        strength: random() < 0.1 ? 8 : random() < 0.3 ? 2 : 1,
        // A shopper's events a day apart (so recency has a meaning), shoppers a minute apart.
        at: start + n * 86_400_000 + user * 60_000,
      });
    }
  }
  return { events, groupOf: (item) => groupOfIndex(Number(item.split('-')[1])) };
}

/** The log as NDJSON lines of InteractionInput fields (what events:import and eval:behavior read). */
export function toNdjson(events: readonly LoggedInteraction[]): string {
  const type = (strength: number) =>
    strength >= 8 ? 'PURCHASE' : strength >= 4 ? 'ADD_TO_CART' : strength >= 2 ? 'CLICK' : 'VIEW';
  return events
    .map((event, index) =>
      JSON.stringify({
        eventId: `e${index}`,
        userToken: event.user,
        sku: event.item,
        type: type(event.strength),
        occurredAt: new Date(event.at).toISOString(),
      }),
    )
    .join('\n');
}
