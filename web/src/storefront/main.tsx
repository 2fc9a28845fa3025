import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider } from 'urql';
import { createClient } from '../lib/graphql';
import '../lib/style.css';
import { Storefront } from './Storefront';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Provider value={createClient()}>
      <Storefront />
    </Provider>
  </StrictMode>,
);
