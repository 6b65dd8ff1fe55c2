import './styles/app.css';
import { App } from './app';
import { escapeHtml } from './dom';

// Read-only hooks for the browser tests (chart options are asserted, not pixels).
// charts/core.ts adds ECharts' getInstanceByDom and getMap when a chart view loads it.
export interface TestHooks {
  escapeHtml: typeof escapeHtml;
  getInstanceByDom?: unknown;
  getMap?: unknown;
}
declare global {
  interface Window {
    __chainmap?: TestHooks;
  }
}
window.__chainmap = { escapeHtml };

void new App(document.getElementById('app')!).start();
