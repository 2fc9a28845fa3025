// What this service can answer today, asked once: whether a CLIP model serves text search, and
// which optional queries the schema has (rows whose query is missing are hidden, never an error).
import { useQuery } from 'urql';

const CAPABILITIES = `
  query Capabilities {
    models { space configured state }
    __schema { queryType { fields { name } } }
  }
`;

export interface Capabilities {
  textSearch: boolean;
  imageSearch: boolean;
  queries: ReadonlySet<string>;
}

export function useCapabilities(): Capabilities | null {
  const [{ data }] = useQuery<{
    models: Array<{ space: string; configured: boolean; state: string }>;
    __schema: { queryType: { fields: Array<{ name: string }> } };
  }>({ query: CAPABILITIES });
  if (!data) return null;
  const usable = (space: string) =>
    data.models.some(
      (model) => model.space === space && model.configured && ['LOADED', 'AVAILABLE'].includes(model.state),
    );
  return {
    textSearch: usable('CLIP'),
    imageSearch: usable('IMAGE') || usable('CLIP'),
    queries: new Set(data.__schema.queryType.fields.map((field) => field.name)),
  };
}
