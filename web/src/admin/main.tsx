import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider } from 'urql';
import { createClient, storedKey } from '../lib/graphql';
import '../lib/style.css';
import { Admin } from './Admin';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Provider value={createClient(() => storedKey('admin'))}>
      <Admin />
    </Provider>
  </StrictMode>,
);
