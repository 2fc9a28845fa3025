import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider } from 'urql';
import { createClient, storedKey } from '../lib/graphql';
import '../lib/style.css';
import { Analyst } from './Analyst';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Provider value={createClient(() => storedKey('analyst'))}>
      <Analyst />
    </Provider>
  </StrictMode>,
);
