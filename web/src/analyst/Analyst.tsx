// The analyst page (ANALYST or ADMIN key): an embedding map of a chosen space, zero-shot
// classification with its label and template editor, accuracy and confusion matrix, and the
// attribute-axis ranking as a chart.
import { useClient } from 'urql';
import { Header } from '../components/Header';
import { KeyGate } from '../components/KeyGate';
import { describeError } from '../lib/graphql';
import { AxisRanking } from './AxisRanking';
import { EmbeddingMapView } from './EmbeddingMapView';
import { ZeroShot } from './ZeroShot';

export function Analyst() {
  const client = useClient();
  const check = async (key: string): Promise<string | null> => {
    const answer = await client
      .query(
        'query Check { embeddingMap(space: ATTRIBUTES, first: 1) { space } }',
        {},
        { requestPolicy: 'network-only', fetchOptions: { headers: { authorization: `Bearer ${key}` } } },
      )
      .toPromise();
    return answer.error ? describeError(answer.error) : null;
  };
  return (
    <>
      <Header title="Analyst" />
      <main>
        <KeyGate kind="analyst" check={check}>
          {(signOut) => (
            <>
              <p>
                <button type="button" className="quiet" onClick={signOut}>
                  Sign out
                </button>
              </p>
              <EmbeddingMapView />
              <ZeroShot />
              <AxisRanking />
            </>
          )}
        </KeyGate>
      </main>
    </>
  );
}
