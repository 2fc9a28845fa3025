// The pages people look at, in a real browser (Debian's chromium driven by playwright-core) against
// the service on a real port, seeded with the demo catalogue and embedded by generated image and
// CLIP models: the storefront (filters, text search, a product page with its rows and "why?", find
// by photo, near me), the analyst page (one map point per product, the confusion matrix), the admin
// page (add a product with a photo, see its embedding status) and GraphiQL with the network to
// anything but the app blocked. Each page is checked with axe (no serious or critical violation)
// and photographed into test-artifacts/screenshots/.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { seedDemoCatalogue, seedDemoHistory } from '../../src/demo/seed-demo.js';
import { PROJECT_ROOT, WEB_DIST_DIR } from '../../src/paths.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { startHttpApp, type HttpApp } from '../support/http-app.js';
import { createTempModelsDir, type TestModels, writeTestModels } from '../support/onnx-fixtures.js';
import { ADMIN_KEY, ANALYST_KEY } from '../support/test-app.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(
    `web-pages: skipped — no browser at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`,
  );
const SHOTS = join(PROJECT_ROOT, 'test-artifacts', 'screenshots');
const STOREFRONT_KEY = 'storefront-events-key';

// The functions passed to evaluate() run in the browser. This project's TypeScript has Node's types,
// not the DOM's, so they declare the little of the DOM they touch.

/** The decoded width of an <img> (0 when the photo did not load). */
const naturalWidth = (image: Locator): Promise<number> =>
  image.evaluate((img: { naturalWidth: number }) => img.naturalWidth);

/** The data-sku of every card a locator matches. */
const skusOf = (cards: Locator): Promise<string[]> =>
  cards.evaluateAll((elements: Array<{ getAttribute(name: string): string | null }>) =>
    elements.map((card) => card.getAttribute('data-sku') ?? ''),
  );

interface BrowserFiles {
  atob(data: string): string;
  DataTransfer: new () => { items: { add(file: unknown): void } };
  File: new (parts: unknown[], name: string, options: { type: string }) => unknown;
}

async function expectAccessible(
  page: Page,
  label: string,
  thirdPartyKnown: readonly string[] = [],
): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations
    .filter((violation) => !thirdPartyKnown.includes(violation.id))
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id}: ${violation.help} (${violation.nodes.length} nodes: ` +
        `${violation.nodes.map((node) => node.html.slice(0, 200)).join(' | ')})`,
    );
  expect(serious, `${label}: axe violations`).toEqual([]);
}

describe.skipIf(!haveChromium)('web pages in a browser', () => {
  let db: TestDatabase;
  let models: TestModels;
  let http: HttpApp;
  let browser: Browser;
  let context: BrowserContext;
  let products: number;
  let withPhotos: number;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    models = await writeTestModels(await createTempModelsDir());
    db = await createTestDatabase('embedded');
    http = await startHttpApp(db.database, {
      MODELS_DIR: models.modelsDir,
      MODELS_MANIFEST: models.manifestPath,
      IMAGE_MODEL: 'test-cnn',
      CLIP_MODEL: 'test-clip',
      EVENTS_API_KEYS: STOREFRONT_KEY,
      STOREFRONT_EVENTS_KEY: STOREFRONT_KEY,
    });
    products = await seedDemoCatalogue(http.app.services.products, { onlyIfEmpty: true });
    withPhotos = products - 3; // the worked example's three products have no photo
    // The demo shoppers' history and the BEHAVIOR model trained from it, as on first start.
    const { interactions, behavior } = http.app.services;
    await seedDemoHistory(interactions, behavior);
    await behavior.start();
    await vi.waitFor(
      async () => {
        expect((await behavior.status()).state).toBe('READY');
      },
      { timeout: 120_000, interval: 250 },
    );
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    // The demo's stores include Berlin: "near me" there finds products.
    context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      geolocation: { latitude: 52.52, longitude: 13.405 },
      permissions: ['geolocation'],
    });
    // Nothing may come from anywhere but the app (no CDN, no fonts from outside).
    await context.route(
      (url) => url.host !== `127.0.0.1:${http.port}` && url.protocol !== 'data:',
      (route) => route.abort('blockedbyclient'),
    );
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await http?.close();
    await db?.dispose();
    if (models) await rm(models.modelsDir, { recursive: true, force: true });
  });

  it('keeps the storefront within its budget: under 300 kB of JavaScript gzipped on first load', () => {
    const html = readFileSync(join(WEB_DIST_DIR, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((match) => match[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    const bytes = scripts.reduce(
      (sum, file) => sum + gzipSync(readFileSync(join(WEB_DIST_DIR, file))).length,
      0,
    );
    console.log(`web-pages: storefront JavaScript on first load: ${(bytes / 1024).toFixed(1)} kB gzipped`);
    expect(bytes).toBeLessThan(300 * 1024);
  });

  it('storefront: grid with photos, filters, text search, a product page with rows and why?', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // The storefront never holds any key but the events key it is given.
    const keysSent = new Set<string>();
    page.on('request', (request) => {
      const authorization = request.headers()['authorization'];
      if (authorization) keysSent.add(authorization);
    });
    await page.goto(`${http.base}/`);
    // The first card with a photo: the grid lists products by creation time, and the worked
    // example's three photo-less products share theirs with the rest of the first 50 added (one
    // transaction), so which card comes first among those is down to their random ids.
    const firstPhoto = page.getByTestId('catalogue').getByTestId('product-card').locator('img').first();
    await firstPhoto.waitFor();
    const paint = await page.evaluate(
      () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Infinity,
    );
    console.log(`web-pages: first contentful paint of / ${paint.toFixed(0)} ms`);
    // A page held up by something (a resource that never comes, a server-side wait) paints after
    // seconds. How fast it paints is a measurement, logged above, not a pass mark: on this shared
    // 2-core machine, with other test files running beside it, the same page painted in 0.6 s on one
    // run and 1.26 s on another (a CI run of 2026-12-06, when every loopback round trip was 4x slower).
    expect(paint).toBeLessThan(5000);
    // The photo really loaded (not a broken image; a visible <img> may still be decoding, so poll).
    await expect.poll(() => naturalWidth(firstPhoto)).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('catalogue').getByTestId('product-card').count()).toBe(48);
    await page.screenshot({ path: join(SHOTS, 'storefront.png') });
    await expectAccessible(page, 'storefront');

    // Filter: one category, in stock.
    await page.getByLabel('Category').selectOption('bicycles');
    await page.getByLabel('In stock').check();
    await expect
      .poll(async () => {
        const skus = await skusOf(page.getByTestId('catalogue').getByTestId('product-card'));
        return skus.length > 0 && skus.every((sku) => sku.startsWith('BICYCL'));
      })
      .toBe(true);
    await expect.poll(() => page.getByText(/sold out/).count()).toBe(0);
    await page.getByLabel('Category').selectOption('');
    await page.getByLabel('In stock').uncheck();

    // Near me (Berlin): every product shown is within 25 km.
    await page.getByRole('button', { name: /Near me/ }).click();
    await page.getByRole('button', { name: /Near me \(25 km\)/ }).waitFor();
    await expect
      .poll(() => page.getByTestId('catalogue').getByTestId('product-card').count())
      .toBeGreaterThan(0);
    await page.getByRole('button', { name: /Near me/ }).click();

    // Text search by CLIP (a CLIP model is installed here, and the page says so).
    await expect.poll(() => page.getByTestId('search-mode').textContent()).toContain('CLIP');
    await page.locator('#q').fill('a desk lamp');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('heading', { name: /Best matches for “a desk lamp”/ }).waitFor();
    await expect.poll(() => page.getByTestId('catalogue').getByTestId('product-card').count()).toBe(24);

    // A product page: its rows, with photos, and "why?".
    await page.goto(`${http.base}/`);
    const card = page.locator('[data-testid=product-card][data-sku="HEADPH-002"]');
    const target = (await card.count()) > 0 ? card : page.getByTestId('product-card').nth(8);
    await target.locator('a.name').click();
    await page.getByTestId('product-page').waitFor();
    // Every row has data on the demo: "pairs well with" from the seeded baskets, "for you" (this
    // new shopper: trending) from the seeded history.
    for (const row of ['row-similar', 'row-looks-similar', 'row-pairs-well', 'row-for-you']) {
      const cards = page.getByTestId(row).getByTestId('product-card');
      await expect.poll(() => cards.count()).toBe(8);
      // The row's first photo loaded. Not the first card's: a row by attributes may open with one of
      // the demo's photo-less products, whose card has no <img> (waiting for one timed the test out).
      const photo = cards.locator('img').first();
      await photo.waitFor({ timeout: 10_000 });
      await expect.poll(() => naturalWidth(photo)).toBeGreaterThan(0);
    }
    await page
      .getByTestId('row-looks-similar')
      .getByRole('button', { name: /^Why is/ })
      .first()
      .click();
    const popover = page.getByRole('dialog');
    await popover.waitFor();
    await popover.locator('[role=img] rect').first().waitFor();
    expect(await popover.textContent()).toContain('IMAGE');
    await page.screenshot({ path: join(SHOTS, 'product.png'), fullPage: true });
    await expectAccessible(page, 'product page');
    expect(errors).toEqual([]);
    // Opening the product from the grid recorded a CLICK and a VIEW for this browser's shopper.
    const shopper = await page.evaluate(() =>
      (
        globalThis as unknown as { localStorage: { getItem(key: string): string | null } }
      ).localStorage.getItem('recommender.shopperToken'),
    );
    await expect
      .poll(async () => {
        const rows = await db.database.pool.query<{ type: string }>(
          'SELECT type FROM interaction WHERE user_token = $1 ORDER BY id',
          [shopper],
        );
        return rows.rows.map((row) => row.type);
      })
      .toEqual(expect.arrayContaining(['CLICK', 'VIEW']));
    expect([...keysSent]).toEqual([`Bearer ${STOREFRONT_KEY}`]);
    await page.close();
  });

  it('storefront: dropping a photo finds products that look like it', async () => {
    const page = await context.newPage();
    await page.goto(`${http.base}/`);
    const photo = readFileSync(join(PROJECT_ROOT, 'examples', 'photos', 'red-runner.png'));
    // A real drop event on the drop zone, carrying the file.
    const transfer = await page.evaluateHandle((base64: string) => {
      const browser = globalThis as unknown as BrowserFiles;
      const bytes = Uint8Array.from(browser.atob(base64), (c) => c.charCodeAt(0));
      const data = new browser.DataTransfer();
      data.items.add(new browser.File([bytes], 'red-runner.png', { type: 'image/png' }));
      return data;
    }, photo.toString('base64'));
    await page.getByTestId('dropzone').dispatchEvent('drop', { dataTransfer: transfer });
    const hits = page.getByTestId('photo-results').getByTestId('product-card');
    await expect.poll(() => hits.count()).toBe(12);
    await page.close();
  });

  it('analyst page: a map with one point per product, and the confusion matrix', async () => {
    const page = await context.newPage();
    await page.goto(`${http.base}/analyst`);
    await expectAccessible(page, 'analyst sign-in');
    await page.getByLabel('API key').fill(ANALYST_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const map = page.getByTestId('embedding-map');
    await map.locator('[role=img]').first().waitFor();
    expect(await map.getAttribute('data-points')).toBe(String(withPhotos));
    await expect.poll(() => map.locator('g.map-point circle').count()).toBe(withPhotos);
    // Pointing at a dot shows that product beside the map; the highlight Plot draws for it is part
    // of the one labelled image (it once made axe fail when the mouse happened to rest on the map).
    await map.locator('g.map-point circle').first().hover({ force: true });
    await map.locator('aside .card a').waitFor();
    await expectAccessible(page, 'analyst map, pointing at a dot');
    // ATTRIBUTES: every product, photo or not.
    await page.getByLabel('Space', { exact: true }).selectOption('ATTRIBUTES');
    await expect.poll(() => map.getAttribute('data-points')).toBe(String(products));
    await expect.poll(() => map.locator('g.map-point circle').count()).toBe(products);

    await page.getByRole('button', { name: 'Classify the catalogue' }).click();
    const matrix = page.getByTestId('confusion-matrix');
    await matrix.locator('[role=img]').first().waitFor({ timeout: 60_000 });
    // One cell per (actual, predicted) pair of the ten labels.
    expect(await matrix.locator('[role=img] g.matrix-cell rect').count()).toBe(100);
    await page.getByTestId('axis-ranking').locator('[role=img]').first().waitFor();
    await page.screenshot({ path: join(SHOTS, 'analyst.png'), fullPage: true });
    await expectAccessible(page, 'analyst page');
    await page.close();
  });

  it('admin page: adds a product with a photo and shows its embedding status', async () => {
    const page = await context.newPage();
    await page.goto(`${http.base}/admin`);
    await page.getByLabel('API key').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Sku', { exact: true }).fill('FLASK-BROWSER-01');
    await page.getByLabel('Name', { exact: true }).fill('Browser-added flask');
    await page.getByLabel('Category', { exact: true }).fill('water-bottles');
    await page.getByLabel('Price', { exact: true }).fill('21.5');
    await page.getByLabel('Tags (comma-separated)').fill('kitchen, outdoor');
    for (const axis of ['value for money', 'customer satisfaction', 'environmental friendliness'])
      await page.getByLabel(new RegExp(`^${axis}`)).fill('70');
    await page
      .getByLabel('Photo', { exact: true })
      .setInputFiles(join(PROJECT_ROOT, 'examples', 'photos', 'green-flask.png'));
    await page.getByRole('button', { name: 'Add product' }).click();
    const saved = page.getByTestId('saved-product');
    await saved.waitFor({ timeout: 30_000 });
    expect(await saved.getAttribute('data-sku')).toBe('FLASK-BROWSER-01');
    const status = saved.getByTestId('embedding-status');
    await status.getByRole('row', { name: /IMAGE test-cnn PRESENT/ }).waitFor();
    await status.getByRole('row', { name: /CLIP test-clip PRESENT/ }).waitFor();
    await expect.poll(() => naturalWidth(saved.locator('img'))).toBeGreaterThan(0);
    expect(await page.getByTestId('model-status').textContent()).toContain('test-cnn');
    await page.screenshot({ path: join(SHOTS, 'admin.png'), fullPage: true });
    await expectAccessible(page, 'admin page');
    // It is really stored.
    const stored = await http.app.services.products.getBySku('FLASK-BROWSER-01');
    expect(stored?.tags).toEqual(['kitchen', 'outdoor']);
    await page.close();
  });

  it('GraphiQL loads offline from the app, with the examples as tabs, and runs a query', async () => {
    const page = await context.newPage();
    const blocked: string[] = [];
    page.on('requestfailed', (request) => blocked.push(request.url()));
    await page.goto(`${http.base}/graphql`);
    await page.getByRole('tab', { name: /WorkedExample/ }).waitFor({ timeout: 30_000 });
    // The examples are there as tabs; a query typed into the editor runs against the app.
    await page.getByRole('tab', { name: /SimilarToProduct1/ }).waitFor();
    const editor = page.locator('.graphiql-query-editor .monaco-editor').filter({ visible: true });
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.type('query Typed { productBySku(sku: "product1") { sku name', { delay: 5 });
    await page.keyboard.press('Control+Enter');
    await expect
      .poll(
        async () =>
          // Monaco draws spaces as no-break spaces.
          ((await page.locator('.graphiql-response').filter({ visible: true }).textContent()) ?? '').replace(
            /\s+/g,
            ' ',
          ),
        { timeout: 30_000 },
      )
      .toContain('"sku": "product1"');
    await page.screenshot({ path: join(SHOTS, 'graphiql.png') });
    // GraphiQL's own markup (tabs with a close button inside, its theme's greys, one aria value)
    // has these three; they are GraphiQL's to fix (graphql/graphiql), anything else fails here.
    await expectAccessible(page, 'GraphiQL', [
      'nested-interactive',
      'color-contrast',
      'aria-valid-attr-value',
    ]);
    expect(blocked).toEqual([]);
    await page.close();
  });
});
