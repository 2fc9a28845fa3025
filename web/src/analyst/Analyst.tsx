// The analyst page (ANALYST or ADMIN key): an embedding map of a chosen space, zero-shot
// classification with its label and template editor, accuracy and confusion matrix, and the
// attribute-axis ranking as a chart.
import { Header } from '../components/Header';
import { KeyGate } from '../components/KeyGate';
import { AxisRanking } from './AxisRanking';
import { EmbeddingMapView } from './EmbeddingMapView';
import { ZeroShot } from './ZeroShot';

export function Analyst() {
  return (
    <>
      <Header title="Analyst" />
      <main>
        <KeyGate
          kind="analyst"
          checkQuery="query Check { embeddingMap(space: ATTRIBUTES, first: 1) { space } }"
        >
          <EmbeddingMapView />
          <ZeroShot />
          <AxisRanking />
        </KeyGate>
      </main>
    </>
  );
}
