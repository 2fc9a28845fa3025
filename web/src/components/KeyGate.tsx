// Asks for an API key before showing a page that needs one. The key stays in sessionStorage (this
// tab only) and is sent as a Bearer token; it is checked by asking the service something the role
// may see.
import { type FormEvent, type ReactNode, useState } from 'react';
import { useClient } from 'urql';
import { describeError, type KeyKind, storedKey, storeKey } from '../lib/graphql';

export function KeyGate(props: {
  kind: KeyKind;
  /** An operation only the page's role may run: a key it runs with is accepted. */
  checkQuery: string;
  children: ReactNode;
}) {
  const client = useClient();
  const check = async (candidate: string): Promise<string | null> => {
    const answer = await client
      .query(
        props.checkQuery,
        {},
        {
          requestPolicy: 'network-only',
          fetchOptions: { headers: { authorization: `Bearer ${candidate}` } },
        },
      )
      .toPromise();
    return answer.error ? describeError(answer.error) : null;
  };
  const [key, setKey] = useState<string | null>(() => storedKey(props.kind));
  const [draft, setDraft] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const error = await check(draft.trim());
    if (error) {
      setProblem(error);
      return;
    }
    storeKey(props.kind, draft.trim());
    setKey(draft.trim());
  };
  if (key)
    return (
      <>
        <p>
          <button
            type="button"
            className="quiet"
            onClick={() => {
              storeKey(props.kind, null);
              setKey(null);
            }}
          >
            Sign out
          </button>
        </p>
        {props.children}
      </>
    );
  return (
    <form className="panel" onSubmit={(event) => void submit(event)}>
      <h2>Sign in</h2>
      <p className="note">
        This page needs an {props.kind} API key (
        {props.kind === 'admin' ? 'ADMIN_API_KEYS' : 'ANALYST_API_KEYS or ADMIN_API_KEYS'}). It is kept in
        this tab only.
      </p>
      <label htmlFor="api-key">API key</label>{' '}
      <input
        id="api-key"
        type="password"
        autoComplete="off"
        value={draft}
        onChange={(event) => setDraft(event.target.value)}
      />{' '}
      <button type="submit">Sign in</button>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}
