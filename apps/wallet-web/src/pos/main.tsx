import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../styles.css';
import { PosApp } from './PosApp.tsx';

const root = document.getElementById('root');
if (root === null) throw new Error('pos.html has no #root');
createRoot(root).render(
  <StrictMode>
    <PosApp />
  </StrictMode>,
);
