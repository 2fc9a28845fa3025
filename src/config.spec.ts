import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadConfig, withRole } from './config.js';
import { PROJECT_ROOT } from './paths.js';

describe('configuration', () => {
  it('the README documents every environment variable the service reads', () => {
    const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
    const table = readme.slice(
      readme.indexOf('## Configuration'),
      readme.indexOf('## Running on a Postgres server'),
    );
    for (const variable of CONFIG_VARIABLES) expect(table, variable).toContain(`\`${variable}\``);
  });

  it('defaults to the embedded database and parses lists and booleans', () => {
    const config = loadConfig({ ADMIN_API_KEYS: ' a, b ,,', SEED_DEMO: 'false', IMAGE_MODEL: '' });
    expect(config.database).toEqual({ kind: 'embedded', dataDir: '.data' });
    expect(config.auth.adminKeys).toEqual(['a', 'b']);
    expect(config.seedDemo).toBe(false);
    expect(config.models.imageModelIds).toEqual([]);
    expect(config.models.clipModelId).toBe('clip-vit-base-patch32');
    expect(config.index).toEqual({ m: 16, efConstruction: 128 });
    expect(loadConfig({ HNSW_M: '24', HNSW_EF_CONSTRUCTION: '200' }).index).toEqual({
      m: 24,
      efConstruction: 200,
    });
  });

  it('parses interaction weights and refuses incomplete or non-positive ones', () => {
    expect(loadConfig({}).interactions.weights).toEqual({ VIEW: 1, CLICK: 2, ADD_TO_CART: 4, PURCHASE: 8 });
    expect(
      loadConfig({ INTERACTION_WEIGHTS: 'PURCHASE:10, ADD_TO_CART:3,CLICK:1.5,VIEW:0.5' }).interactions
        .weights,
    ).toEqual({ VIEW: 0.5, CLICK: 1.5, ADD_TO_CART: 3, PURCHASE: 10 });
    expect(() => loadConfig({ INTERACTION_WEIGHTS: 'VIEW:1,CLICK:2' })).toThrow(
      /INTERACTION_WEIGHTS.*ADD_TO_CART/,
    );
    expect(() => loadConfig({ INTERACTION_WEIGHTS: 'VIEW:0,CLICK:2,ADD_TO_CART:4,PURCHASE:8' })).toThrow(
      /INTERACTION_WEIGHTS/,
    );
    expect(() => loadConfig({ INTERACTION_WEIGHTS: 'LIKE:1' })).toThrow(/INTERACTION_WEIGHTS/);
  });

  it('parses the retraining interval as a duration', () => {
    expect(loadConfig({}).behavior.retrainIntervalMs).toBe(0);
    expect(loadConfig({ BEHAVIOR_RETRAIN_INTERVAL: '6h' }).behavior.retrainIntervalMs).toBe(6 * 3600_000);
    expect(loadConfig({ BEHAVIOR_RETRAIN_INTERVAL: '30m' }).behavior.retrainIntervalMs).toBe(1_800_000);
    expect(loadConfig({ BEHAVIOR_RETRAIN_INTERVAL: '90' }).behavior.retrainIntervalMs).toBe(90_000);
    expect(() => loadConfig({ BEHAVIOR_RETRAIN_INTERVAL: 'daily' })).toThrow(/BEHAVIOR_RETRAIN_INTERVAL/);
  });

  it('refuses invalid values, naming them', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ VECTOR_SEARCH_BINARY_CANDIDATES: 'yes' })).toThrow(
      /VECTOR_SEARCH_BINARY_CANDIDATES/,
    );
    expect(() => loadConfig({ STOREFRONT_EVENTS_KEY: 'adm-1', ADMIN_API_KEYS: 'adm-1' })).toThrow(
      /STOREFRONT_EVENTS_KEY must be one of EVENTS_API_KEYS/,
    );
    expect(() => loadConfig({ DATABASE_URL: 'not a url' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ DB_PREPARED_STATEMENTS: '-1' })).toThrow(/DB_PREPARED_STATEMENTS/);
    expect(() => loadConfig({ DB_PREPARED_STATEMENTS: 'many' })).toThrow(/DB_PREPARED_STATEMENTS/);
    expect(loadConfig({ DB_PREPARED_STATEMENTS: '0' }).search.preparedStatements).toBe(0);
    expect(loadConfig({}).search.parallelScans).toBe(2);
    expect(loadConfig({ VECTOR_SEARCH_PARALLEL_SCANS: '1' }).search.parallelScans).toBe(1);
    expect(() => loadConfig({ VECTOR_SEARCH_PARALLEL_SCANS: '0' })).toThrow(/VECTOR_SEARCH_PARALLEL_SCANS/);
    expect(() => loadConfig({ HNSW_M: '32', HNSW_EF_CONSTRUCTION: '48' })).toThrow(
      /HNSW_EF_CONSTRUCTION \(48\) must be at least 2 × HNSW_M \(32\)/,
    );
  });

  it('runs every role in one process by default; api and worker processes need a Postgres server', () => {
    expect(loadConfig({}).role).toBe('all');
    expect(loadConfig({}).jobs.timeoutSeconds).toBe(300);
    const server = { DATABASE_URL: 'postgresql://db.example/shop' };
    expect(loadConfig({ ...server, ROLE: 'api' }).role).toBe('api');
    expect(withRole(loadConfig(server), 'worker').role).toBe('worker');
    expect(() => loadConfig({ ROLE: 'worker' })).toThrow(/ROLE=worker needs DATABASE_URL/);
    expect(() => withRole(loadConfig({}), 'api')).toThrow(/ROLE=api needs DATABASE_URL/);
    expect(() => loadConfig({ ...server, ROLE: 'both' })).toThrow(/ROLE/);
  });

  it('takes read replicas only beside a primary', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://primary/shop',
      DATABASE_READ_URLS: 'postgresql://replica-1/shop, postgresql://replica-2/shop',
    });
    expect(config.database).toMatchObject({
      readUrls: ['postgresql://replica-1/shop', 'postgresql://replica-2/shop'],
      maxReadLagMs: 2_000,
    });
    expect(() => loadConfig({ DATABASE_READ_URLS: 'postgresql://replica-1/shop' })).toThrow(
      /DATABASE_READ_URLS needs DATABASE_URL/,
    );
    expect(() =>
      loadConfig({ DATABASE_URL: 'postgresql://primary/shop', DATABASE_READ_URLS: 'replica-1' }),
    ).toThrow(/DATABASE_READ_URLS/);
  });
});
