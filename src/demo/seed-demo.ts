import { type ProductService } from '../catalogue/product.service.js';
import { demoCatalogue } from './demo-catalogue.js';

/**
 * Adds the demo catalogue. With `onlyIfEmpty`, does nothing unless the catalogue is empty; otherwise
 * adds the demo products whose SKUs are not present yet. Returns how many products it added.
 */
export async function seedDemoCatalogue(
  products: ProductService,
  options: { onlyIfEmpty: boolean },
): Promise<number> {
  const existing = await products.count();
  if (options.onlyIfEmpty && existing > 0) return 0;
  const catalogue = demoCatalogue();
  const missing = await products.withoutExistingSkus(catalogue);
  for (let start = 0; start < missing.length; start += 100) {
    await products.addMany(missing.slice(start, start + 100));
  }
  return missing.length;
}
