import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../styles.css';
import { OpsApp } from './OpsApp.tsx';

const root = document.getElementById('root');
if (root === null) throw new Error('ops.html has no #root');
createRoot(root).render(
  <StrictMode>
    <OpsApp />
  </StrictMode>,
);
