// The storefront: the catalogue as a grid of photos with filters, a search box (CLIP text search
// when a CLIP model serves, else name search — the page says which), "find by photo" by dropping a
// picture, and a product page with recommendation rows (ProductPage).
import { type DragEvent, type FormEvent, useEffect, useMemo, useState } from 'react';
import { useClient, useQuery } from 'urql';
import { Header } from '../components/Header';
import { ProductCard } from '../components/ProductCard';
import { describeError, fileToBase64 } from '../lib/graphql';
import { type CardProduct, PRODUCT_CARD, type Scored } from '../lib/fragments';
import { type Capabilities, useCapabilities } from './capabilities';
import { ProductPage } from './ProductPage';

const CATEGORIES = `query Categories { categories { category count } }`;
const PRODUCTS = `
  ${PRODUCT_CARD}
  query Products($filter: ProductFilter) {
    products(filter: $filter, first: 48) { totalCount edges { node { ...ProductCard } } }
  }
`;
const TEXT_SEARCH = `
  ${PRODUCT_CARD}
  query TextSearch($text: String!) { searchProducts(text: $text, k: 24) { score product { ...ProductCard } } }
`;
const PHOTO_SEARCH = `
  ${PRODUCT_CARD}
  query PhotoSearch($photo: String!) {
    searchByImage(image: { base64: $photo }, space: IMAGE, k: 12) { score product { ...ProductCard } }
  }
`;

interface Filters {
  category: string;
  maxPrice: string;
  tags: string;
  inStock: boolean;
  near: { latitude: number; longitude: number } | null;
}

const productHref = (id: string): string => `#/product/${id}`;

function useRoute(): string | null {
  const read = () => /^#\/product\/([\w-]+)$/.exec(window.location.hash)?.[1] ?? null;
  const [productId, setProductId] = useState(read);
  useEffect(() => {
    const onHash = () => {
      setProductId(read());
      window.scrollTo(0, 0);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return productId;
}

export function Storefront() {
  const capabilities = useCapabilities();
  const productId = useRoute();
  return (
    <>
      <Header title="Shop" />
      <main>
        {productId ? (
          <ProductPage productId={productId} capabilities={capabilities} />
        ) : (
          <Catalogue capabilities={capabilities} />
        )}
      </main>
    </>
  );
}

function Catalogue(props: { capabilities: Capabilities | null }) {
  const { capabilities } = props;
  const client = useClient();
  const [filters, setFilters] = useState<Filters>({
    category: '',
    maxPrice: '',
    tags: '',
    inStock: false,
    near: null,
  });
  const [draft, setDraft] = useState('');
  const [text, setText] = useState('');
  const [photoHits, setPhotoHits] = useState<Scored[] | null>(null);
  const [photoProblem, setPhotoProblem] = useState<string | null>(null);
  const [nearProblem, setNearProblem] = useState<string | null>(null);
  const [over, setOver] = useState(false);
  const [categories] = useQuery<{ categories: Array<{ category: string; count: number }> }>({
    query: CATEGORIES,
  });

  const textSearch = capabilities?.textSearch === true && text !== '';
  const filter = useMemo(() => {
    const tags = filters.tags
      .split(',')
      .map((tag) => tag.trim())
      .filter(Boolean);
    return {
      ...(filters.category ? { category: filters.category } : {}),
      ...(filters.maxPrice ? { maxPrice: Number(filters.maxPrice) } : {}),
      ...(tags.length ? { tagsAny: tags } : {}),
      ...(filters.inStock ? { inStock: true } : {}),
      ...(filters.near ? { near: { ...filters.near, radiusKm: 25 } } : {}),
      ...(text && !textSearch ? { nameContains: text } : {}),
    };
  }, [filters, text, textSearch]);
  const [listing] = useQuery<{ products: { totalCount: number; edges: Array<{ node: CardProduct }> } }>({
    query: PRODUCTS,
    variables: { filter },
    pause: textSearch,
  });
  const [searched] = useQuery<{ searchProducts: Scored[] }>({
    query: TEXT_SEARCH,
    variables: { text },
    pause: !textSearch,
  });

  const products: CardProduct[] = textSearch
    ? (searched.data?.searchProducts.map((hit) => hit.product) ?? [])
    : (listing.data?.products.edges.map((edge) => edge.node) ?? []);
  const problem = describeError(textSearch ? searched.error : listing.error);

  const set = <K extends keyof Filters>(key: K, value: Filters[K]) =>
    setFilters({ ...filters, [key]: value });
  const search = (event: FormEvent) => {
    event.preventDefault();
    setPhotoHits(null);
    setText(draft.trim());
  };
  const nearMe = () => {
    if (filters.near) return set('near', null);
    if (!('geolocation' in navigator)) return setNearProblem('This browser cannot tell where you are.');
    navigator.geolocation.getCurrentPosition(
      (position) => {
        setNearProblem(null);
        set('near', { latitude: position.coords.latitude, longitude: position.coords.longitude });
      },
      () => setNearProblem('Location is not available (permission denied?).'),
    );
  };
  const dropPhoto = async (file: File | undefined) => {
    setOver(false);
    if (!file) return;
    setPhotoProblem(null);
    const answer = await client
      .query<{ searchByImage: Scored[] }>(
        PHOTO_SEARCH,
        { photo: await fileToBase64(file) },
        { requestPolicy: 'network-only' },
      )
      .toPromise();
    if (answer.error) {
      setPhotoProblem(describeError(answer.error));
      setPhotoHits(null);
    } else setPhotoHits(answer.data?.searchByImage ?? []);
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    void dropPhoto(event.dataTransfer.files[0]);
  };

  return (
    <>
      <form role="search" className="filters" onSubmit={search} aria-label="Search and filter the catalogue">
        <div className="field">
          <label htmlFor="q">Search</label>
          <input
            id="q"
            type="search"
            value={draft}
            onChange={(event) => setDraft(event.target.value)}
            placeholder="e.g. lamp"
          />
        </div>
        <button type="submit">Search</button>
        <p className="note" data-testid="search-mode">
          {capabilities?.textSearch
            ? 'Text search by CLIP (meaning, not words)'
            : 'Name search (no CLIP model installed)'}
        </p>
        <div className="field">
          <label htmlFor="category">Category</label>
          <select
            id="category"
            value={filters.category}
            onChange={(event) => set('category', event.target.value)}
          >
            <option value="">All</option>
            {categories.data?.categories.map((c) => (
              <option key={c.category} value={c.category}>
                {c.category} ({c.count})
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="max-price">Max price</label>
          <input
            id="max-price"
            type="number"
            min="0"
            value={filters.maxPrice}
            onChange={(event) => set('maxPrice', event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="tags">Tags (any of, comma-separated)</label>
          <input
            id="tags"
            type="text"
            value={filters.tags}
            onChange={(event) => set('tags', event.target.value)}
          />
        </div>
        <div className="check">
          <input
            id="in-stock"
            type="checkbox"
            checked={filters.inStock}
            onChange={(event) => set('inStock', event.target.checked)}
          />
          <label htmlFor="in-stock">In stock</label>
        </div>
        <button type="button" className="quiet" aria-pressed={filters.near !== null} onClick={nearMe}>
          {filters.near ? 'Near me (25 km) ✓' : 'Near me'}
        </button>
        {nearProblem && <p className="error">{nearProblem}</p>}
      </form>

      <div
        className={`dropzone${over ? ' over' : ''}`}
        data-testid="dropzone"
        onDragOver={(event) => {
          event.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <label htmlFor="photo">Find by photo: drop a picture here or choose one</label>{' '}
        <input
          id="photo"
          type="file"
          accept="image/*"
          onChange={(event) => void dropPhoto(event.target.files?.[0])}
        />
      </div>

      {photoProblem && (
        <p className="error" role="alert">
          {photoProblem}
        </p>
      )}
      {photoHits && (
        <section aria-labelledby="photo-results">
          <h2 id="photo-results">Looks like your photo</h2>
          <ul className="grid" data-testid="photo-results">
            {photoHits.map((hit) => (
              <ProductCard key={hit.product.id} product={hit.product} href={productHref(hit.product.id)} />
            ))}
          </ul>
        </section>
      )}

      <section aria-labelledby="catalogue">
        <h2 id="catalogue">
          {textSearch
            ? `Best matches for “${text}”`
            : `Catalogue${listing.data ? ` (${listing.data.products.totalCount})` : ''}`}
        </h2>
        {problem && (
          <p className="error" role="alert">
            {problem}
          </p>
        )}
        {!problem && products.length === 0 && (listing.data || searched.data) && (
          <p className="note">Nothing matches.</p>
        )}
        <ul className="grid" data-testid="catalogue">
          {products.map((product) => (
            <ProductCard key={product.id} product={product} href={productHref(product.id)} />
          ))}
        </ul>
      </section>
    </>
  );
}
