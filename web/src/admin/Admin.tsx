// The admin page (ADMIN key): add or edit a product with a photo, see its embedding status per
// space, and watch the models, re-embedding progress and (when the service has it) behaviour-model
// training.
import { type FormEvent, useEffect, useState } from 'react';
import { useClient, useQuery } from 'urql';
import { Header } from '../components/Header';
import { KeyGate } from '../components/KeyGate';
import { ProductPhoto } from '../components/ProductCard';
import { describeError, fileToBase64 } from '../lib/graphql';

const PRODUCT_FIELDS = `
  id sku name description category price currency inStock tags photoUrl
  location { latitude longitude }
  attributes { axis value }
  embeddingStatus { space modelId state }
`;
const AXES = `query AdminAxes { attributeAxes { name minValue maxValue } }`;
const BY_SKU = `query AdminBySku($sku: String!) { productBySku(sku: $sku) { ${PRODUCT_FIELDS} } }`;
const ADD = `mutation AdminAdd($input: ProductInput!) { addProduct(input: $input) { ${PRODUCT_FIELDS} } }`;
const UPDATE = `mutation AdminUpdate($id: ID!, $input: ProductUpdateInput!) { updateProduct(id: $id, input: $input) { ${PRODUCT_FIELDS} } }`;
const STATUS = `
  query AdminStatus {
    models { id space configured state reason installCommand }
    reembeddingStatus { space activeModelId targetModelId state done total error }
  }
`;
const BEHAVIOUR = `query AdminBehaviour { behaviorModelStatus { state version trainedAt progress error } }`;

interface AdminProduct {
  id: string;
  sku: string;
  name: string;
  description: string | null;
  category: string;
  price: number;
  currency: string;
  inStock: boolean;
  tags: string[];
  photoUrl: string | null;
  attributes: Array<{ axis: string; value: number }>;
  embeddingStatus: Array<{ space: string; modelId: string | null; state: string }>;
}

interface Draft {
  sku: string;
  name: string;
  description: string;
  category: string;
  price: string;
  tags: string;
  inStock: boolean;
  attributes: Record<string, string>;
}

const emptyDraft = (): Draft => ({
  sku: '',
  name: '',
  description: '',
  category: '',
  price: '',
  tags: '',
  inStock: true,
  attributes: {},
});

export function Admin() {
  return (
    <>
      <Header title="Admin" />
      <main>
        <KeyGate kind="admin" checkQuery="query Check { reembeddingStatus { space } }">
          <ProductEditor />
          <ServiceStatus />
        </KeyGate>
      </main>
    </>
  );
}

function ProductEditor() {
  const client = useClient();
  const [axes] = useQuery<{ attributeAxes: Array<{ name: string; minValue: number; maxValue: number }> }>({
    query: AXES,
  });
  const [draft, setDraft] = useState<Draft>(emptyDraft);
  const [photo, setPhoto] = useState<File | null>(null);
  const [editing, setEditing] = useState<AdminProduct | null>(null);
  const [saved, setSaved] = useState<AdminProduct | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [lookup, setLookup] = useState('');
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft({ ...draft, [key]: value });

  const load = async (event: FormEvent) => {
    event.preventDefault();
    const answer = await client
      .query<{ productBySku: AdminProduct | null }>(
        BY_SKU,
        { sku: lookup.trim() },
        { requestPolicy: 'network-only' },
      )
      .toPromise();
    const product = answer.data?.productBySku;
    if (!product) {
      setProblem(answer.error ? describeError(answer.error) : `No product has SKU ${lookup.trim()}.`);
      return;
    }
    setProblem(null);
    setEditing(product);
    setSaved(product);
    setDraft({
      sku: product.sku,
      name: product.name,
      description: product.description ?? '',
      category: product.category,
      price: String(product.price),
      tags: product.tags.join(', '),
      inStock: product.inStock,
      attributes: Object.fromEntries(product.attributes.map((a) => [a.axis, String(a.value)])),
    });
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const input = {
      sku: draft.sku.trim(),
      name: draft.name.trim(),
      description: draft.description.trim() || null,
      category: draft.category.trim(),
      price: Number(draft.price),
      inStock: draft.inStock,
      tags: draft.tags
        .split(',')
        .map((tag) => tag.trim())
        .filter(Boolean),
      attributes: (axes.data?.attributeAxes ?? [])
        .filter((axis) => draft.attributes[axis.name] !== undefined && draft.attributes[axis.name] !== '')
        .map((axis) => ({ axis: axis.name, value: Number(draft.attributes[axis.name]) })),
      ...(photo ? { image: { base64: await fileToBase64(photo) } } : {}),
    };
    const answer = editing
      ? await client.mutation<{ updateProduct: AdminProduct }>(UPDATE, { id: editing.id, input }).toPromise()
      : await client.mutation<{ addProduct: AdminProduct }>(ADD, { input }).toPromise();
    setBusy(false);
    if (answer.error) {
      setProblem(describeError(answer.error));
      return;
    }
    const product = answer.data
      ? 'updateProduct' in answer.data
        ? answer.data.updateProduct
        : answer.data.addProduct
      : null;
    setProblem(null);
    setSaved(product);
    setEditing(product);
    setPhoto(null);
  };

  return (
    <section className="panel" aria-labelledby="editor-title">
      <h2 id="editor-title">{editing ? `Edit ${editing.sku}` : 'Add a product'}</h2>
      <form className="filters" onSubmit={(event) => void load(event)} aria-label="Find a product to edit">
        <div className="field">
          <label htmlFor="lookup">Edit by SKU</label>
          <input id="lookup" type="text" value={lookup} onChange={(event) => setLookup(event.target.value)} />
        </div>
        <button type="submit" className="quiet">
          Load
        </button>
        {editing && (
          <button
            type="button"
            className="quiet"
            onClick={() => {
              setEditing(null);
              setSaved(null);
              setDraft(emptyDraft());
            }}
          >
            New product instead
          </button>
        )}
      </form>
      <form
        onSubmit={(event) => void save(event)}
        className="filters"
        aria-label="Product"
        style={{ marginTop: '0.75rem' }}
      >
        {(['sku', 'name', 'category', 'price', 'tags', 'description'] as const).map((key) => (
          <div className="field" key={key}>
            <label htmlFor={`product-${key}`}>
              {key === 'tags' ? 'Tags (comma-separated)' : key[0]!.toUpperCase() + key.slice(1)}
            </label>
            <input
              id={`product-${key}`}
              type={key === 'price' ? 'number' : 'text'}
              step={key === 'price' ? '0.01' : undefined}
              required={key !== 'tags' && key !== 'description'}
              value={draft[key]}
              onChange={(event) => set(key, event.target.value)}
            />
          </div>
        ))}
        {axes.data?.attributeAxes.map((axis) => (
          <div className="field" key={axis.name}>
            <label htmlFor={`axis-${axis.name}`}>
              {axis.name.replace(/_/g, ' ')} ({axis.minValue}–{axis.maxValue})
            </label>
            <input
              id={`axis-${axis.name}`}
              type="number"
              min={axis.minValue}
              max={axis.maxValue}
              required={!editing}
              value={draft.attributes[axis.name] ?? ''}
              onChange={(event) =>
                set('attributes', { ...draft.attributes, [axis.name]: event.target.value })
              }
            />
          </div>
        ))}
        <div className="check">
          <input
            id="product-in-stock"
            type="checkbox"
            checked={draft.inStock}
            onChange={(event) => set('inStock', event.target.checked)}
          />
          <label htmlFor="product-in-stock">In stock</label>
        </div>
        <div className="field">
          <label htmlFor="product-photo">Photo</label>
          <input
            id="product-photo"
            type="file"
            accept="image/*"
            onChange={(event) => setPhoto(event.target.files?.[0] ?? null)}
          />
        </div>
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : editing ? 'Save changes' : 'Add product'}
        </button>
      </form>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {saved && (
        <div
          className="product-head"
          style={{ marginTop: '1rem' }}
          data-testid="saved-product"
          data-sku={saved.sku}
        >
          <ProductPhoto product={saved} size={200} />
          <div>
            <h3>
              Saved: {saved.name} ({saved.sku})
            </h3>
            <table data-testid="embedding-status">
              <caption>Embedding status</caption>
              <thead>
                <tr>
                  <th scope="col">Space</th>
                  <th scope="col">Model</th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                {saved.embeddingStatus.map((status) => (
                  <tr key={status.space}>
                    <td>{status.space}</td>
                    <td>{status.modelId ?? '—'}</td>
                    <td>{status.state}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </section>
  );
}

function ServiceStatus() {
  const [status, refresh] = useQuery<{
    models: Array<{
      id: string;
      space: string;
      configured: boolean;
      state: string;
      reason: string | null;
      installCommand: string;
    }>;
    reembeddingStatus: Array<{
      space: string;
      activeModelId: string | null;
      targetModelId: string | null;
      state: string;
      done: number;
      total: number;
      error: string | null;
    }>;
  }>({ query: STATUS, requestPolicy: 'network-only' });
  const [schema] = useQuery<{ __schema: { queryType: { fields: Array<{ name: string }> } } }>({
    query: 'query AdminSchema { __schema { queryType { fields { name } } } }',
  });
  const hasBehaviour =
    schema.data?.__schema.queryType.fields.some((field) => field.name === 'behaviorModelStatus') ?? false;
  useEffect(() => {
    const timer = setInterval(() => refresh({ requestPolicy: 'network-only' }), 3000);
    return () => clearInterval(timer);
  }, [refresh]);
  return (
    <section className="panel" aria-labelledby="status-title">
      <h2 id="status-title">Models and background work</h2>
      {status.error && (
        <p className="error" role="alert">
          {describeError(status.error)}
        </p>
      )}
      {status.data && (
        <>
          <table data-testid="model-status">
            <caption>Models</caption>
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Space</th>
                <th scope="col">Configured</th>
                <th scope="col">State</th>
                <th scope="col">Install</th>
              </tr>
            </thead>
            <tbody>
              {status.data.models.map((model) => (
                <tr key={model.id}>
                  <td>{model.id}</td>
                  <td>{model.space}</td>
                  <td>{model.configured ? 'yes' : 'no'}</td>
                  <td>{model.reason ? `${model.state}: ${model.reason}` : model.state}</td>
                  <td>
                    <code>{model.installCommand}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>Re-embedding</h3>
          <ul data-testid="reembedding-status">
            {status.data.reembeddingStatus.map((space) => (
              <li key={space.space}>
                {space.space}: {space.state}
                {space.targetModelId ? ` → ${space.targetModelId}` : ''} ({space.done}/{space.total})
                {space.total > 0 && (
                  <progress
                    value={space.done}
                    max={space.total}
                    aria-label={`${space.space} re-embedding progress`}
                  />
                )}
                {space.error && <span className="error"> {space.error}</span>}
              </li>
            ))}
          </ul>
        </>
      )}
      {hasBehaviour && <BehaviourStatus />}
    </section>
  );
}

function BehaviourStatus() {
  const [{ data, error }] = useQuery<{
    behaviorModelStatus: {
      state: string;
      version: number | null;
      trainedAt: string | null;
      progress: number | null;
      error: string | null;
    };
  }>({ query: BEHAVIOUR, requestPolicy: 'network-only' });
  const status = data?.behaviorModelStatus;
  return (
    <>
      <h3>Behaviour model</h3>
      {error && <p className="error">{describeError(error)}</p>}
      {status && (
        <p data-testid="behaviour-status">
          {status.state}
          {status.version !== null ? `, version ${status.version}` : ''}
          {status.trainedAt ? `, trained ${new Date(status.trainedAt).toLocaleString()}` : ''}
          {status.error ? ` — ${status.error}` : ''}
        </p>
      )}
    </>
  );
}
