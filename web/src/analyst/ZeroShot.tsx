// Zero-shot classification of the catalogue by CLIP: labels and prompt templates are edited here,
// categories can be mapped to labels for accuracy, and the confusion matrix is drawn as a heat map.
import { type FormEvent, useCallback, useState } from 'react';
import { useClient } from 'urql';
import type * as PlotModule from '@observablehq/plot';
import { PlotFigure, type PlotOptions } from '../components/PlotFigure';
import { describeError } from '../lib/graphql';

const CLASSIFY = `
  query Classify($labels: [String!]!, $templates: [String!], $categoryLabels: [CategoryLabelInput!]) {
    classifyProducts(labels: $labels, templates: $templates, categoryLabels: $categoryLabels, first: 0) {
      modelId classified unclassified accuracy
      countsByLabel { label count }
      confusionMatrix { labels rows }
    }
  }
`;

interface Report {
  modelId: string;
  classified: number;
  unclassified: number;
  accuracy: number | null;
  countsByLabel: Array<{ label: string; count: number }>;
  confusionMatrix: { labels: string[]; rows: number[][] } | null;
}

const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);

export function ZeroShot() {
  const client = useClient();
  const [labels, setLabels] = useState(
    'headphones\nrunning shoe\ncoffee maker\nbackpack\nsmartwatch\noffice chair\nwater bottle\nt-shirt\nbicycle\ndesk lamp',
  );
  const [templates, setTemplates] = useState('a photo of a {}\na product photo of a {}\na drawing of a {}');
  const [mapping, setMapping] = useState(
    'headphones = headphones\nrunning-shoes = running shoe\ncoffee-makers = coffee maker\nbackpacks = backpack\nsmartwatches = smartwatch\noffice-chairs = office chair\nwater-bottles = water bottle\nt-shirts = t-shirt\nbicycles = bicycle\ndesk-lamps = desk lamp',
  );
  const [report, setReport] = useState<Report | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const run = async (event: FormEvent) => {
    event.preventDefault();
    setRunning(true);
    const categoryLabels = lines(mapping).flatMap((line) => {
      const [category, label] = line.split('=').map((part) => part.trim());
      return category && label ? [{ category, label }] : [];
    });
    const answer = await client
      .query<{ classifyProducts: Report }>(
        CLASSIFY,
        { labels: lines(labels), templates: lines(templates), categoryLabels },
        { requestPolicy: 'network-only' },
      )
      .toPromise();
    setRunning(false);
    setProblem(describeError(answer.error));
    setReport(answer.data?.classifyProducts ?? null);
  };
  const heatmap = useCallback(
    (plot: typeof PlotModule): PlotOptions => {
      const matrix = report?.confusionMatrix;
      const cells = matrix
        ? matrix.rows.flatMap((row, actual) =>
            row.map((count, predicted) => ({
              actual: matrix.labels[actual],
              predicted: matrix.labels[predicted],
              count,
            })),
          )
        : [];
      return {
        width: 640,
        height: 80 + 34 * (matrix?.labels.length ?? 0),
        marginLeft: 110,
        marginBottom: 90,
        padding: 0.05,
        x: { label: 'predicted', tickRotate: -35 },
        y: { label: 'actual' },
        color: { scheme: 'blues', legend: true, label: 'products' },
        marks: [
          plot.cell(cells, {
            x: 'predicted',
            y: 'actual',
            fill: 'count',
            inset: 0.5,
            className: 'matrix-cell',
          }),
          plot.text(cells, {
            x: 'predicted',
            y: 'actual',
            text: 'count',
            fill: (d: { count: number }) => (d.count > 0 ? 'black' : '#777'),
          }),
        ],
      };
    },
    [report],
  );
  return (
    <section className="panel" aria-labelledby="zero-shot-title">
      <h2 id="zero-shot-title">Zero-shot classification (CLIP)</h2>
      <form
        onSubmit={(event) => void run(event)}
        style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(220px, 1fr))', gap: '1rem' }}
      >
        <div className="field">
          <label htmlFor="labels">Labels (one per line)</label>
          <textarea id="labels" rows={8} value={labels} onChange={(event) => setLabels(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="templates">Prompt templates ({'{}'} is the label)</label>
          <textarea
            id="templates"
            rows={8}
            value={templates}
            onChange={(event) => setTemplates(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="mapping">Category = label (for accuracy)</label>
          <textarea
            id="mapping"
            rows={8}
            value={mapping}
            onChange={(event) => setMapping(event.target.value)}
          />
        </div>
        <div>
          <button type="submit" disabled={running}>
            {running ? 'Classifying…' : 'Classify the catalogue'}
          </button>
        </div>
      </form>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {report && (
        <div data-testid="classification-report">
          <p>
            Model {report.modelId}: {report.classified} products classified
            {report.accuracy !== null ? `, accuracy ${(report.accuracy * 100).toFixed(1)} %` : ''}.
          </p>
          {report.confusionMatrix && (
            <div data-testid="confusion-matrix">
              <h3>Confusion matrix</h3>
              <PlotFigure
                options={heatmap}
                label="Confusion matrix: actual category label against predicted label"
              />
            </div>
          )}
        </div>
      )}
    </section>
  );
}
