// Shared browser set-up for the tests and the perf script: Debian's chromium driven by
// playwright-core (no browser download), every request recorded.

import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}

/** A page that records every request URL and every console error / page error. */
export async function newPage(browser, { width = 1440, height = 900, acceptDownloads = true } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, acceptDownloads, locale: 'zh-CN' });
  const page = await context.newPage();
  const requests = [];
  const errors = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  return { context, page, requests, errors };
}

/** Waits until the app marks the view as rendered. */
export async function waitReady(page, view, timeout = 30_000) {
  await page.waitForSelector(`body[data-ready="${view}"]`, { timeout });
}

export async function gql(base, query, variables) {
  const res = await fetch(new URL('/graphql', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}
