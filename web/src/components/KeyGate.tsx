// Asks for an API key before showing a page that needs one. The key stays in sessionStorage (this
// tab only) and is sent as a Bearer token; it is checked by asking the service something the role
// may see.
import { type FormEvent, type ReactNode, useState } from 'react';
import { type KeyKind, storedKey, storeKey } from '../lib/graphql';

export function KeyGate(props: {
  kind: KeyKind;
  check: (key: string) => Promise<string | null>;
  children: (signOut: () => void) => ReactNode;
}) {
  const [key, setKey] = useState<string | null>(() => storedKey(props.kind));
  const [draft, setDraft] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const error = await props.check(draft.trim());
    if (error) {
      setProblem(error);
      return;
    }
    storeKey(props.kind, draft.trim());
    setKey(draft.trim());
  };
  if (key)
    return props.children(() => {
      storeKey(props.kind, null);
      setKey(null);
    });
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
