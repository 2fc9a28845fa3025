// The catalogue in one picture: a space's vectors projected to 2-D by the service (PCA or UMAP),
// one dot per product coloured by category; pointing at a dot shows its photo and name, clicking
// opens the product in the storefront.
import { useCallback, useState } from 'react';
import { useQuery } from 'urql';
import type * as PlotModule from '@observablehq/plot';
import { PlotFigure, type PlotOptions } from '../components/PlotFigure';
import { ProductPhoto } from '../components/ProductCard';
import { describeError } from '../lib/graphql';

const MAP = `
  query Map($space: EmbeddingSpace!, $method: ProjectionMethod!) {
    embeddingMap(space: $space, method: $method, first: 2000) {
      space method modelId explainedVariance
      points { x y product { id sku name category photoUrl } }
    }
  }
`;

interface Point {
  x: number;
  y: number;
  product: { id: string; sku: string; name: string; category: string; photoUrl: string | null };
}

export function EmbeddingMapView() {
  const [space, setSpace] = useState('IMAGE');
  const [method, setMethod] = useState('PCA');
  const [hovered, setHovered] = useState<Point | null>(null);
  const [{ data, error, fetching }] = useQuery<{
    embeddingMap: { modelId: string | null; explainedVariance: number[] | null; points: Point[] };
  }>({ query: MAP, variables: { space, method } });
  const points = data?.embeddingMap.points;
  const options = useCallback(
    (plot: typeof PlotModule): PlotOptions => ({
      width: 760,
      height: 520,
      color: { legend: true },
      x: { label: method === 'PCA' ? 'PC 1' : 'UMAP 1' },
      y: { label: method === 'PCA' ? 'PC 2' : 'UMAP 2' },
      marks: [
        plot.dot(points ?? [], {
          x: 'x',
          y: 'y',
          fill: (d: Point) => d.product.category,
          r: 4,
          title: (d: Point) => d.product.name,
          className: 'map-point',
        }),
        plot.dot(points ?? [], plot.pointer({ x: 'x', y: 'y', r: 8, stroke: 'black' })),
      ],
    }),
    [points, method],
  );
  const attach = useCallback((figure: Element) => {
    figure.addEventListener('input', () =>
      setHovered((figure as Element & { value: Point | null }).value ?? null),
    );
    figure.addEventListener('click', () => {
      const value = (figure as Element & { value: Point | null }).value;
      if (value) window.location.href = `/#/product/${value.product.id}`;
    });
  }, []);
  return (
    <section className="panel" aria-labelledby="map-title">
      <h2 id="map-title">Embedding map</h2>
      <div className="filters">
        <div className="field">
          <label htmlFor="map-space">Space</label>
          <select id="map-space" value={space} onChange={(event) => setSpace(event.target.value)}>
            <option value="IMAGE">IMAGE (photo, CNN)</option>
            <option value="CLIP">CLIP (photo, CLIP)</option>
            <option value="ATTRIBUTES">ATTRIBUTES</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="map-method">Projection</label>
          <select id="map-method" value={method} onChange={(event) => setMethod(event.target.value)}>
            <option value="PCA">PCA</option>
            <option value="UMAP">UMAP</option>
          </select>
        </div>
        {data && (
          <p className="note">
            {data.embeddingMap.points.length} products
            {data.embeddingMap.modelId ? ` · model ${data.embeddingMap.modelId}` : ''}
            {data.embeddingMap.explainedVariance
              ? ` · variance explained ${data.embeddingMap.explainedVariance.map((v) => `${Math.round(v * 100)} %`).join(' + ')}`
              : ''}
          </p>
        )}
      </div>
      {fetching && <p className="note">Projecting…</p>}
      {error && (
        <p className="error" role="alert">
          {describeError(error)}
        </p>
      )}
      {points && (
        <div
          style={{ display: 'flex', gap: '1rem', alignItems: 'flex-start', flexWrap: 'wrap' }}
          data-testid="embedding-map"
          data-points={points.length}
        >
          <PlotFigure options={options} label={`Map of the ${space} space`} onFigure={attach} />
          <aside style={{ width: 200 }} aria-live="polite">
            {hovered ? (
              <div className="card">
                <ProductPhoto product={hovered.product} />
                <a href={`/#/product/${hovered.product.id}`}>{hovered.product.name}</a>
                <span className="note">{hovered.product.category}</span>
              </div>
            ) : (
              <p className="note">Point at a dot to see the product; click to open it.</p>
            )}
          </aside>
        </div>
      )}
    </section>
  );
}
