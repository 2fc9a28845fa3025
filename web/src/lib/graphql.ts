// The pages' one way to the service: urql over the public GraphQL endpoint, with the API key the
// person typed (kept in sessionStorage only, so it is gone with the tab) as a Bearer token.
import { Client, cacheExchange, fetchExchange } from 'urql';

export type KeyKind = 'analyst' | 'admin';

const storageKey = (kind: KeyKind): string => `recommender.${kind}Key`;

export function storedKey(kind: KeyKind): string | null {
  return sessionStorage.getItem(storageKey(kind));
}

export function storeKey(kind: KeyKind, key: string | null): void {
  if (key) sessionStorage.setItem(storageKey(kind), key);
  else sessionStorage.removeItem(storageKey(kind));
}

export function createClient(apiKey: () => string | null = () => null): Client {
  return new Client({
    url: '/graphql',
    exchanges: [cacheExchange, fetchExchange],
    requestPolicy: 'cache-first',
    // POST: Apollo's CSRF prevention refuses simple GET requests.
    preferGetMethod: false,
    fetchOptions: () => {
      const key = apiKey();
      return key ? { headers: { authorization: `Bearer ${key}` } } : {};
    },
  });
}

export interface GraphQLErrorLike {
  message: string;
  extensions?: Record<string, unknown>;
}

/** The first error's message and code, for showing to a person. */
export function describeError(
  error: { graphQLErrors?: GraphQLErrorLike[]; message: string } | undefined,
): string | null {
  if (!error) return null;
  const first = error.graphQLErrors?.[0];
  if (!first) return error.message;
  const code = first.extensions?.['code'];
  return typeof code === 'string' ? `${first.message} (${code})` : first.message;
}

/** Reads a File into base64, as `image: { base64 }` takes it. */
export function fileToBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve((reader.result as string).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error ?? new Error('could not read the file'));
    reader.readAsDataURL(file);
  });
}
