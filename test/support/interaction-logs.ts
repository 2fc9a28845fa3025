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
    for (let n = 0; n < options.eventsPerUser; n++) {
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
        at: start + (user * options.eventsPerUser + n) * 60_000,
      });
    }
  }
  return { events, groupOf: (item) => groupOfIndex(Number(item.split('-')[1])) };
}
