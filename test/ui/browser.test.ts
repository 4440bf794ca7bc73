/**
 * The dashboard end to end in a real browser (Debian's chromium through playwright-core): a
 * server with a seeded experiment (1,000 trials, 100,000 observations) and a running one whose
 * trials are real processes; every page is opened and checked (rows, charts, live updates without
 * reload), timed, and photographed. Screenshots go to docs/ with KATIB_UI_SCREENSHOTS=1 (as the
 * README shows them), to a temporary folder otherwise.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { Trial } from '../../src/api/trial.js';
import { trialState } from '../../src/controller/index.js';
import { mountDashboard } from '../../src/ui/index.js';
import { experiment, sh } from '../controller/harness.js';
import { until } from '../support/fixtures.js';
import { type Browser, CHROMIUM_MISSING, launchBrowser, openAndMeasure, watchErrors } from './browser.js';
import { buildDashboard } from './build.js';
import { type DashboardServer, pushJson, startDashboardServer } from './harness.js';
import { seedExperiment } from './seed.js';

const SHOTS =
  process.env.KATIB_UI_SCREENSHOTS === '1'
    ? fileURLToPath(new URL('../../docs/', import.meta.url))
    : mkdtempSync(path.join(tmpdir(), 'katib-ui-shots-'));
const RENDER_BUDGET_MS = 2000;

describe('dashboard in chromium', { skip: CHROMIUM_MISSING }, () => {
  let server: DashboardServer;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let seeded: string[];
  let running: Promise<unknown>;
  let release: string;
  /** The live trial the experiment page test pushed to (the trial page test takes another). */
  let pushedTo = '';

  before(async () => {
    await buildDashboard();
    server = await startDashboardServer(undefined);
    const { katib, dashboard } = server;
    seeded = await seedExperiment(katib.db, { name: 'mnist-tpe', trials: 1000, reports: 50 });
    // Three trials that report ten epochs, then wait for the test to let them finish.
    release = path.join(server.workRoot, 'release');
    mkdirSync(server.workRoot, { recursive: true });
    const live = experiment('live-demo', {
      command: sh(
        'i=0; while [ $i -lt 10 ]; do i=$((i+1)); ' +
          'echo "epoch $i: loss=$(awk "BEGIN{printf \\"%.4f\\", ${trialParameters.x} + 1/$i}") accuracy=$(awk "BEGIN{printf \\"%.4f\\", 1 - 0.5/$i}")"; ' +
          'sleep 0.05; done; ' +
          `n=0; while [ ! -e '${release}' ] && [ $n -lt 600 ]; do n=$((n+1)); sleep 0.1; done; echo "released"`,
      ),
      objective: { type: 'minimize', objectiveMetricName: 'loss', additionalMetricNames: ['accuracy'] },
      parallelTrialCount: 3,
      maxTrialCount: 3,
    });
    await katib.experiments.createExperiment(live);
    running = katib.controller({ onEvent: () => dashboard.notify('live-demo') }).run('live-demo');
    await until(
      'three trials with ten epochs each',
      async () => {
        const trials = await katib.experiments.listTrials('live-demo');
        if (trials.length < 3 || trials.some((t) => trialState(t) !== 'Running')) return false;
        const counts = await Promise.all(trials.map((t) => katib.db.observations.get(t.name)));
        return counts.every((logs) => logs.length >= 20);
      },
      20_000,
    );
    browser = await launchBrowser();
    page = await browser.context.newPage();
    errors = watchErrors(page);
  });

  after(async () => {
    writeFileSync(release, '');
    await running?.catch(() => {});
    await browser?.close();
    await server?.close();
  });

  it('lists both experiments with state, counts and best value', async (t) => {
    const ms = await openAndMeasure(page, server.url, 'experiments');
    t.diagnostic(`experiments page rendered at ${ms.toFixed(0)} ms after navigation`);
    const rows = page.locator('table.experiments-table tbody tr');
    assert.equal(await rows.count(), 2);
    const live = page.locator('tr[data-experiment="live-demo"]');
    assert.equal(await live.locator('.badge').textContent(), 'Running');
    assert.match((await live.textContent()) ?? '', /3 running/);
    const tuned = page.locator('tr[data-experiment="mnist-tpe"]');
    assert.match((await tuned.textContent()) ?? '', /1000 \/ 1000 done/);
    assert.match((await tuned.locator('td').nth(5).textContent()) ?? '', /^0\.\d+$/);
    await shot('experiments');
    assert.deepEqual(errors, []);
  });

  it('renders an experiment of 1,000 trials and 100,000 observations in under 2 s', async (t) => {
    const url = `${server.url}experiments/mnist-tpe`;
    let ms = await openAndMeasure(page, url, 'experiment');
    const first = ms;
    if (ms >= RENDER_BUDGET_MS) ms = Math.min(ms, await openAndMeasure(page, url, 'experiment'));
    t.diagnostic(
      `experiment page with 1,000 trials rendered at ${first.toFixed(0)} ms (best ${ms.toFixed(0)} ms)`,
    );
    assert.ok(ms < RENDER_BUDGET_MS, `rendered after ${ms.toFixed(0)} ms`);
    await page.waitForFunction(() => document.querySelector('.trials')?.getAttribute('data-rows') === '1000');
    const allRows = await page.evaluate(() => performance.now());
    t.diagnostic(`all 1,000 rows in the table at ${allRows.toFixed(0)} ms`);
    assert.equal(await page.locator('table.trials-table tbody tr').count(), 1000);
    // Every seeded trial reported its objective before it ended, whatever its end.
    const points = async (id: string) => Number(await page.locator(`#${id}`).getAttribute('data-points'));
    assert.equal(await points('objective-chart'), 1000);
    assert.equal(await points('parallel-chart'), 1000);
    assert.ok(await page.locator('#objective-chart canvas').isVisible());
    assert.ok(await page.locator('#parallel-chart canvas').isVisible());
    assert.equal(await page.locator('.actions button').count(), 0, 'read-only: no stop, no delete');
    await page.locator('details.spec summary').click();
    assert.match((await page.locator('pre.yaml').textContent()) ?? '', /algorithmName: tpe/);
    await page.locator('details.spec summary').click();
    await shot('experiment');
    assert.deepEqual(errors, []);
  });

  it('sorts and filters the trials table', async () => {
    const firstRow = () =>
      page.evaluate(() => document.querySelector('table.trials-table tbody tr')?.getAttribute('data-trial'));
    const best = await page.locator('.card .best-line a').textContent();
    await page.locator('th[data-key="objective"]').click();
    await page.waitForFunction(
      (name) => document.querySelector('table.trials-table tbody tr')?.getAttribute('data-trial') === name,
      best,
    );
    await page.locator('th[data-key="objective"]').click();
    await page.waitForFunction(() =>
      document.querySelector('th[data-key="objective"]')?.classList.contains('desc'),
    );
    assert.notEqual(await firstRow(), best, 'descending: the worst first');
    const trials = await Promise.all(seeded.map((n) => server.katib.experiments.getTrial(n)));
    const adamDeep = trials.filter(
      (t) => value(t!, 'optimizer') === 'adam' && Number(value(t!, 'layers')) >= 6,
    ).length;
    await page.locator('input.filter').fill('optimizer=adam layers>=6');
    await page.waitForFunction(
      (n) => document.querySelectorAll('table.trials-table tbody tr').length === n,
      adamDeep,
    );
    assert.match(
      (await page.locator('.count').textContent()) ?? '',
      new RegExp(`^${adamDeep} of 1000 trials$`),
    );
    await page.locator('input.filter').fill('');
    await page.locator('select[aria-label="State"]').selectOption('Failed');
    const failed = await failedCount();
    await page.waitForFunction(
      (n) => document.querySelectorAll('table.trials-table tbody tr').length === n,
      failed,
    );
  });

  it('follows the colour scheme: dark', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    try {
      await openAndMeasure(page, `${server.url}experiments/mnist-tpe`, 'experiment');
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.equal(background, 'rgb(14, 18, 23)');
      await shot('experiment-dark');
    } finally {
      await page.emulateMedia({ colorScheme: 'light' });
    }
  });

  it('shows a finished trial: metric curves, metrics, conditions, and that it has no logs', async (t) => {
    const name = seeded[7]!;
    const ms = await openAndMeasure(page, `${server.url}trials/${name}`, 'trial');
    t.diagnostic(`trial page (2 metrics x 50 points) rendered at ${ms.toFixed(0)} ms`);
    assert.ok(ms < RENDER_BUDGET_MS);
    assert.equal(await page.locator('.metric-chart').count(), 2);
    assert.equal(await page.locator('.metric-chart[data-metric="loss"]').getAttribute('data-points'), '50');
    assert.equal(await page.locator('.metrics-table tbody tr').count(), 2);
    assert.match(
      (await page.locator('.card', { hasText: 'Condition history' }).textContent()) ?? '',
      /TrialRunning.*Trial/s,
    );
    assert.match((await page.locator('.logs').textContent()) ?? '', /No stdout\.log in /);
    assert.deepEqual(errors, []);
  });

  it('updates a running experiment without reload when a metric arrives', async (t) => {
    await openAndMeasure(page, `${server.url}experiments/live-demo`, 'experiment');
    await page.evaluate(() => {
      (window as unknown as { marker: number }).marker = 1;
    });
    const rows = page.locator('table.trials-table tbody tr');
    assert.equal(await rows.count(), 3);
    assert.equal(await page.locator('table.trials-table .badge.state-running').count(), 3);
    const trial = (await rows.first().getAttribute('data-trial'))!;
    pushedTo = trial;
    const cell = page.locator(`tr[data-trial="${trial}"] td`).nth(2);
    const draws = await page.locator('#objective-chart').getAttribute('data-draws');
    const pushed = Date.now();
    await pushJson(server.origin, trial, { loss: 0.0123 });
    await cell.filter({ hasText: '0.0123' }).waitFor({ timeout: 1000 });
    t.diagnostic(
      `a pushed metric showed in the trials table ${Date.now() - pushed} ms after the push returned`,
    );
    assert.equal(
      await page.evaluate(() => (window as unknown as { marker?: number }).marker),
      1,
      'no reload',
    );
    await page.waitForFunction(
      (before) => document.querySelector('#objective-chart')?.getAttribute('data-draws') !== before,
      draws,
      { timeout: 2000 },
    );
    assert.equal(await page.locator('#objective-chart').getAttribute('data-points'), '3');
    await shot('experiment-live');
    assert.deepEqual(errors, []);
  });

  it("follows a running trial: its logs, a new metric's point, then its end, without reload", async (t) => {
    const trials = await server.katib.experiments.listTrials('live-demo');
    const name = trials.find((x) => x.name !== pushedTo)!.name;
    await openAndMeasure(page, `${server.url}trials/${name}`, 'trial');
    await page.evaluate(() => {
      (window as unknown as { marker: number }).marker = 1;
    });
    assert.equal(await page.locator('h1').textContent(), name);
    assert.match((await page.locator('pre.log').textContent()) ?? '', /epoch 10: loss=/);
    const lossChart = page.locator('.metric-chart[data-metric="loss"]');
    assert.equal(await lossChart.getAttribute('data-points'), '10');
    const pushed = Date.now();
    await pushJson(server.origin, name, { loss: 0.0042 });
    await page.locator('tr[data-metric="loss"] td.latest', { hasText: '0.0042' }).waitFor({ timeout: 1000 });
    t.diagnostic(
      `a pushed metric showed in the trial's metrics ${Date.now() - pushed} ms after the push returned`,
    );
    assert.equal(await page.locator('tr[data-metric="loss"] td').nth(1).textContent(), '11');
    await page.waitForFunction(
      () => document.querySelector('.metric-chart[data-metric="loss"]')?.getAttribute('data-points') === '11',
      null,
      { timeout: 2000 },
    );
    await shot('trial');
    writeFileSync(release, '');
    await page.locator('.title-row .badge', { hasText: 'Succeeded' }).waitFor({ timeout: 10_000 });
    await page.locator('pre.log', { hasText: 'released' }).waitFor({ timeout: 5000 });
    assert.equal(
      await page.evaluate(() => (window as unknown as { marker?: number }).marker),
      1,
      'no reload',
    );
    assert.deepEqual(errors, []);
  });

  it('navigates between pages through links, without reloading', async () => {
    await openAndMeasure(page, server.url, 'experiments');
    await page.evaluate(() => {
      (window as unknown as { marker: number }).marker = 1;
    });
    await page.locator('a', { hasText: 'mnist-tpe' }).first().click();
    await page.waitForFunction(() => document.documentElement.dataset.rendered === 'experiment');
    await page.locator('.best-line a').click();
    await page.waitForFunction(() => document.documentElement.dataset.rendered === 'trial');
    assert.match(page.url(), /\/trials\/mnist-tpe-\d{4}$/);
    await page.goBack();
    await page.waitForFunction(() => document.documentElement.dataset.rendered === 'experiment');
    assert.equal(await page.evaluate(() => (window as unknown as { marker?: number }).marker), 1);
    assert.deepEqual(errors, []);
  });

  it('deletes an experiment from a dashboard mounted writable, after a confirmation', async () => {
    const { katib } = server;
    await seedExperiment(katib.db, { name: 'scratch', trials: 3, reports: 2 });
    const admin = mountDashboard(katib.dbManager.httpRoutes!, {
      db: katib.db,
      service: katib.dbManager.service,
      writable: true,
      prefix: '/admin',
    });
    try {
      await openAndMeasure(page, `${server.origin}/admin/experiments/scratch`, 'experiment');
      const dialogs: string[] = [];
      page.once('dialog', (d) => {
        dialogs.push(d.message());
        void d.accept();
      });
      await page.locator('.actions button', { hasText: 'Delete' }).click();
      await page.waitForFunction(() => document.documentElement.dataset.rendered === 'experiments');
      assert.match(dialogs[0] ?? '', /Delete experiment scratch\?/);
      assert.equal(new URL(page.url()).pathname, '/admin/');
      assert.equal(await page.locator('tr[data-experiment="scratch"]').count(), 0);
      assert.equal(await katib.experiments.getExperiment('scratch'), undefined);
      assert.deepEqual(errors, []);
    } finally {
      admin.close();
    }
  });

  it('says so when an experiment does not exist', async () => {
    await page.goto(`${server.url}experiments/no-such-thing`);
    await page.locator('p.error').waitFor();
    assert.match(
      (await page.locator('p.error').textContent()) ?? '',
      /Cannot load experiment no-such-thing: experiment "no-such-thing" does not exist/,
    );
    assert.equal(await page.locator('#live').textContent(), 'not live');
    errors.length = 0; // the refused stream and the 404 are logged by the browser
  });

  async function shot(name: string): Promise<void> {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SHOTS, `dashboard-${name}.png`), fullPage: true });
  }

  async function failedCount(): Promise<number> {
    const trials = await server.katib.experiments.listTrials('mnist-tpe');
    return trials.filter((t) => trialState(t) === 'Failed').length;
  }
});

function value(trial: Trial, parameter: string): string | undefined {
  return trial.parameterAssignments.find((a) => a.name === parameter)?.value;
}
