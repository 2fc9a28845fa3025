import { type ProductService } from '../catalogue/product.service.js';
import { demoCatalogue, type DemoProduct } from './demo-catalogue.js';
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

async function withPhoto({ look, ...product }: DemoProduct): Promise<DemoProduct> {
  return look ? { ...product, image: { base64: await renderDemoPhoto(look) } } : product;
}
