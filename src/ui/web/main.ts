/// <reference lib="dom" />
import './styles.css';
import { type LiveState, readConfig } from './api.js';
import { h, replaceChildren } from './dom.js';
import type { Page, PageContext, PageFactory } from './page.js';
import { errorText } from './page.js';
import { experimentPage } from './pages/experiment-page.js';
import { experimentsPage } from './pages/experiments-page.js';
import { trialPage } from './pages/trial-page.js';

const ROUTES: [RegExp, PageFactory][] = [
  [/^$/, experimentsPage],
  [/^experiments\/([^/]+)$/, experimentPage],
  [/^trials\/([^/]+)$/, trialPage],
];

const LIVE_TEXT: Record<LiveState, string> = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
  closed: 'not live',
};

/** The path below the dashboard's mount point (its <base href>), without a leading slash. */
function relativePath(): string {
  const base = new URL(document.baseURI).pathname;
  const path = location.pathname;
  if (path.startsWith(base)) return path.slice(base.length);
  return `${path}/`.startsWith(base) ? '' : path.replace(/^\//, '');
}

function start(): void {
  const main = document.getElementById('app')!;
  const live = document.getElementById('live')!;
  let page: Page | undefined;
  const context: PageContext = {
    config: readConfig(),
    setLive(state, error) {
      live.className = `live live-${state}`;
      live.textContent = LIVE_TEXT[state];
      live.title = error ? errorText(error) : '';
    },
    navigate(path) {
      history.pushState(null, '', new URL(path, document.baseURI).href);
      show();
    },
    rendered(name) {
      // A task queued from the next frame runs once that frame (data, table, charts) has painted.
      requestAnimationFrame(() =>
        setTimeout(() => {
          performance.mark(`katib:rendered:${name}`);
          document.documentElement.dataset.rendered = name;
        }, 0),
      );
    },
  };
  const show = (): void => {
    page?.dispose();
    delete document.documentElement.dataset.rendered;
    const path = relativePath();
    for (const [pattern, factory] of ROUTES) {
      const m = pattern.exec(path);
      if (!m) continue;
      let name = '';
      try {
        name = decodeURIComponent(m[1] ?? '');
      } catch {
        break;
      }
      page = factory(main, name, context);
      window.scrollTo(0, 0);
      return;
    }
    page = undefined;
    replaceChildren(
      main,
      h('p', { class: 'error' }, 'No such page. '),
      h('a', { href: './' }, 'All experiments'),
    );
  };
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element).closest('a');
    if (!a || a.target || a.hasAttribute('download')) return;
    const url = new URL(a.href);
    const base = new URL(document.baseURI);
    if (
      url.origin !== location.origin ||
      !url.pathname.startsWith(base.pathname) ||
      url.pathname.includes('/api/')
    )
      return;
    e.preventDefault();
    if (url.href === location.href) return;
    history.pushState(null, '', url.href);
    show();
  });
  window.addEventListener('popstate', show);
  show();
}

start();
