import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../styles.css';
import { WalletApp } from './WalletApp.tsx';

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <WalletApp />
  </StrictMode>,
);
