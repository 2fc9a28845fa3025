import { type BehaviorModelService } from '../behavior/behavior-model.service.js';
import { type ProductService } from '../catalogue/product.service.js';
import { type InteractionService } from '../interactions/interaction.service.js';
import { MAX_EVENTS_PER_CALL } from '../interactions/interaction.domain.js';
import { demoCatalogue, type DemoProduct } from './demo-catalogue.js';
import { demoInteractions } from './demo-interactions.js';
import { renderDemoPhoto } from './demo-photos.js';

/**
 * Adds the demo catalogue, each generated product with its drawn photo (embedded on ingest like any
 * photo). With `onlyIfEmpty`, does nothing unless the catalogue is empty; otherwise adds the demo
 * products whose SKUs are not present yet. Returns how many products it added.
 */
export async function seedDemoCatalogue(
  products: ProductService,
  options: { onlyIfEmpty: boolean },
): Promise<number> {
  const existing = await products.count();
  if (options.onlyIfEmpty && existing > 0) return 0;
  const catalogue = demoCatalogue();
  const missing = await products.withoutExistingSkus(catalogue);
  for (let start = 0; start < missing.length; start += 50) {
    const batch = await Promise.all(missing.slice(start, start + 50).map(withPhoto));
    await products.addMany(batch);
  }
  return missing.length;
}

/**
 * Records the demo shoppers' history (events ending now; each one's eventId is fixed, so a second
 * run adds nothing) and, when it added events, queues a training of the BEHAVIOR model: the worker
 * trains it in the background once it starts. Returns how many events it added.
 */
export async function seedDemoHistory(
  interactions: InteractionService,
  behavior: BehaviorModelService,
  now = new Date(),
): Promise<number> {
  const events = demoInteractions(demoCatalogue(), now);
  let accepted = 0;
  for (let start = 0; start < events.length; start += MAX_EVENTS_PER_CALL)
    accepted += (await interactions.record(events.slice(start, start + MAX_EVENTS_PER_CALL))).accepted;
  if (accepted > 0) await behavior.train();
  return accepted;
}

async function withPhoto({ look, ...product }: DemoProduct): Promise<DemoProduct> {
  return look ? { ...product, image: { base64: await renderDemoPhoto(look) } } : product;
}
