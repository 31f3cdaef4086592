import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { tensor } from '@adjoint/autograd';
import { accuracy, fromSafetensors, loadModel, predict } from '@adjoint/nn';
import * as ort from 'onnxruntime-web';
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { dataset } from '../src/datasets.js';
import { buildGraph } from '../src/graph.js';
import { short, toDot } from '../src/graph-view.js';
import { PRESETS } from '../src/presets.js';
import { startSite } from './site.js';

let browser: Browser;
let url: string;
let close: () => Promise<void>;
const errors: string[] = [];

beforeAll(async () => {
  ({ browser, url, close } = await startSite());
}, 180_000);

afterAll(async () => {
  await close?.();
});

async function open(hash = '', ready = '#graph svg'): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(`${url}${hash}`);
  await page.locator(ready).first().waitFor({ state: 'attached', timeout: 30_000 });
  return page;
}

/** The bar each graph node shows, in the order of the nodes' ids (node-0, node-1, …). */
async function shownBars(page: Page): Promise<string[]> {
  const shown = await page.$$eval('#graph g.node', (nodes) =>
    nodes.map(
      (n) => [Number(n.id.replace('node-', '')), /bar (\S+)/.exec(n.textContent ?? '')?.[1] ?? ''] as const,
    ),
  );
  return [...shown].sort((a, b) => a[0] - b[0]).map(([, bar]) => bar);
}

describe('the playground, built and served, in Chromium', () => {
  test('loads without a console error and draws the first preset with its bars before backward', async () => {
    const page = await open();
    expect(await page.locator('#graph g.node').count()).toBe(10);
    expect(await page.locator('#position').textContent()).toBe('step 0 of 5');
    expect(errors).toEqual([]);
    await page.close();
  });

  test.each(PRESETS.map((p) => [p.id, p] as const))(
    'preset %s: its node count, and after the whole pass every bar is the library’s',
    async (id, preset) => {
      const page = await open();
      await page.selectOption('#preset', id);
      await page.click('#last');
      const model = buildGraph(preset.source, preset.values);
      await expect.poll(() => page.locator('#graph g.node').count()).toBe(model.nodes.length);
      expect(await shownBars(page)).toEqual(model.nodes.map((n) => short(n.bar)));
      await page.close();
    },
  );

  test('stepping through b = a + a; c = b + b with the keys: each step sends along two edges, ā reaches 4', async () => {
    const page = await open(`#graph?${new URLSearchParams({ source: 'b = a + a; c = b + b', 'v.a': '1' })}`);
    expect(await shownBars(page)).toEqual(['0', '0', '1']);
    await page.locator('body').press('ArrowRight');
    await expect.poll(() => page.locator('#position').textContent()).toBe('step 1 of 2');
    expect(await page.locator('#graph g.edge text').allTextContents()).toEqual(['+1', '+1']);
    expect(await shownBars(page)).toEqual(['0', '2', '1']);
    await page.locator('body').press('ArrowRight');
    await expect.poll(() => page.locator('#position').textContent()).toBe('step 2 of 2');
    expect(await page.locator('#graph g.edge text').allTextContents()).toEqual(['+2', '+2']);
    expect(await shownBars(page)).toEqual(['4', '2', '1']);
    expect(await page.locator('#rule').textContent()).toContain('a sum passes its bar to each term');
    await page.locator('body').press('Home');
    await expect.poll(() => shownBars(page)).toEqual(['0', '0', '1']);
    await page.close();
  });

  test('the finite-difference table agrees with every bar of the UMONS network', async () => {
    const page = await open();
    await page.selectOption('#preset', 'umons');
    await expect.poll(() => page.locator('#fd tbody tr').count()).toBe(16);
    const preset = PRESETS.find((p) => p.id === 'umons')!;
    const model = buildGraph(preset.source, preset.values);
    const rows = await page.$$eval('#fd tbody tr', (trs) =>
      trs.map((tr) => [...tr.children].map((td) => td.textContent)),
    );
    expect(rows.map((r) => r[0])).toEqual(model.inputs.map((i) => i.name));
    rows.forEach(([, bar, , difference], i) => {
      expect(Number(bar)).toBeCloseTo(model.nodes[model.inputs[i]!.id]!.bar, 5);
      expect(Number(difference)).toBeLessThan(1e-8);
    });
    expect(await page.locator('#gradcheck').textContent()).toContain('every bar agrees');
    await page.close();
  });

  test('a parse error shows its line, column and message, and the graph stays as it was', async () => {
    const page = await open();
    await page.fill('#source', 'a + * b');
    await expect.poll(() => page.locator('#error').isVisible()).toBe(true);
    expect(await page.locator('#error').textContent()).toBe(
      "line 1, column 5: expected a number, a name, a function or '(', got '*'",
    );
    expect(await page.locator('#graph g.node').count()).toBe(10);
    await page.fill('#source', 'a + b');
    await expect.poll(() => page.locator('#error').isVisible()).toBe(false);
    await page.close();
  });

  // issue 33 and the playground issue: a large program answers at once, with a message for the graph
  test('a 2,000-term sum is not drawn but says so; stepping and the check table still work', async () => {
    const page = await open();
    await page.fill('#source', `y = ${Array.from({ length: 2000 }, () => 'x').join(' + ')}`);
    await expect.poll(() => page.locator('#graph .too-large').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator('#graph .too-large').textContent()).toContain(
      'This graph has 2000 nodes and 3998 edges; above 80 the page does not draw it',
    );
    await page.click('#last');
    expect(await page.locator('#position').textContent()).toBe('step 1999 of 1999');
    expect(await page.locator('#fd tbody tr td').nth(1).textContent()).toBe('2000');
    await page.close();
  });

  test('1 / 0 is drawn as ∞ with its bars, without an error on the page', async () => {
    const page = await open(`#graph?${new URLSearchParams({ source: 'z = x - 1; y = 1 / z', 'v.x': '1' })}`);
    await page.click('#last');
    const text = (await page.locator('#graph').textContent()) ?? '';
    expect(text).toMatch(/∞|Infinity/);
    expect(await page.locator('#graph g.node').count()).toBe(5);
    expect(await page.locator('#nonfinite').textContent()).toBe(
      '∞ first appears at y, from ÷ of 1 and z = 0. The values and bars that depend on it are not finite either, as IEEE 754 arithmetic makes them.',
    );
    expect(errors).toEqual([]);
    await page.close();
  });

  test('derive it yourself: micrograd’s neuron, a wrong answer explained, a right one steps on, progress kept', async () => {
    const page = await open();
    await page.check('#derive');
    await page.click('#forward');
    expect(await page.locator('#exercise').isVisible()).toBe(true);
    expect(await page.locator('#position').textContent()).toBe('step 0 of 5');
    expect(await page.locator('#exercise-question').textContent()).toMatch(
      /^Step 1: o runs its vjp with bar ȳ = 1\./,
    );
    // wrong: ȳ·y is tanh's value, not its derivative
    await page.fill('#answer-0', 'ybar * y');
    await page.click('#exercise-check');
    expect(await page.locator('#exercise .verdict').textContent()).toBe('✗ that is 0.707107');
    expect(await page.locator('#exercise-explain').textContent()).toBe(
      'The rule: y = tanh a: ā += ȳ·(1 − y²). Here: n receives 0.5.',
    );
    expect(await page.locator('#position').textContent()).toBe('step 0 of 5');
    // right, in the node's own terms: the step runs
    await page.fill('#answer-0', 'ȳ * (1 - o^2)');
    await page.press('#answer-0', 'Enter');
    await expect.poll(() => page.locator('#position').textContent()).toBe('step 1 of 5');
    expect(await page.locator('#exercise').isVisible()).toBe(false);
    // the next step asks about both terms of n = (x1·w1 + x2·w2) + b, and counts the one done
    await page.click('#forward');
    expect(await page.locator('#exercise .answer').count()).toBe(2);
    expect(await page.locator('#exercise-progress').textContent()).toBe(
      '1 of 5 steps of this exercise answered right in this browser',
    );
    await page.click('#exercise-show');
    expect(await page.locator('#exercise-explain').textContent()).toMatch(/^The rule: y = a \+ b: /);
    await page.click('#exercise-go-on');
    expect(await page.locator('#position').textContent()).toBe('step 2 of 5');
    // the link reproduces the exercise where it stands: derive mode on, the next question open
    expect(page.url()).toContain('derive=1');
    const linked = await open(new URL(page.url()).hash);
    expect(await linked.isChecked('#derive')).toBe(true);
    expect(await linked.locator('#exercise').isVisible()).toBe(true);
    expect(await linked.locator('#exercise-question').textContent()).toMatch(/^Step 3: /);
    expect(await linked.locator('#position').textContent()).toBe('step 2 of 5');
    await linked.close();
    // progress stays in the browser's storage, across a reload
    await page.reload();
    await page.locator('#graph svg').first().waitFor({ state: 'attached', timeout: 30_000 });
    expect(await page.evaluate(() => localStorage.getItem('adjoint.exercises'))).toBe('{"micrograd":[0]}');
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);

  test('forward mode on note 004’s network: a direction along one input gives its bar, a column of the Jacobian', async () => {
    const preset = PRESETS.find((p) => p.id === 'umons')!;
    const page = await open();
    await page.selectOption('#preset', 'umons');
    await page.click('#forward-mode summary');
    const model = buildGraph(preset.source, preset.values);
    const [first, second] = model.inputs;
    const line = () => page.locator('#tangent-line').textContent();
    const shown = (v: number) => String(Number(v.toPrecision(6)));
    // the first input moves by 1: ẏ is its bar
    await expect.poll(line).toContain(`ẏ = ${shown(model.nodes[first!.id]!.bar)} pushed forward`);
    expect(await line()).toContain(
      `⟨x̄, ẋ⟩ = Σ bar × tangent over the inputs = ${shown(model.nodes[first!.id]!.bar)}.`,
    );
    // along the second input instead
    await page.fill(`#tan-${first!.name}`, '0');
    await page.fill(`#tan-${second!.name}`, '1');
    await expect.poll(line).toContain(`ẏ = ${shown(model.nodes[second!.id]!.bar)} pushed forward`);
    await page.check('#show-tangents');
    await expect.poll(() => page.locator('#graph').textContent()).toContain('tangent 1');
    // stepped node by node: before the first, every computed node's tangent is still to come
    const computed = model.nodes.filter((n) => n.op !== 'input' && n.op !== 'const').length;
    const unknown = async () =>
      ((await page.locator('#graph').textContent()) ?? '').split('tangent ?').length - 1;
    await page.click('#tan-first');
    expect(await page.locator('#tangent-position').textContent()).toBe(`node 0 of ${computed}`);
    await expect.poll(unknown).toBe(computed);
    await page.click('#tan-forward');
    await page.click('#tan-forward');
    await expect.poll(unknown).toBe(computed - 2);
    expect(await page.locator('#tangent-position').textContent()).toBe(`node 2 of ${computed}`);
    // the rule spells out the sum of local derivative × tangent for the node just reached
    expect(await page.locator('#tangent-rule').textContent()).toMatch(
      /: its tangent is Σ local derivative × input’s tangent = -?[\d.]+ × -?[\d.]+ \(from .*\).* = -?[\d.]+\.$/,
    );
    await page.click('#tan-last');
    await expect.poll(unknown).toBe(0);
    expect(await page.locator('#tan-forward').isDisabled()).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);

  test('the graph downloads as SVG and DOT at the step shown, and its link opens that step', async () => {
    const page = await open(`#graph?${new URLSearchParams({ source: 'y = x * x', 'v.x': '3' })}`);
    await page.click('#forward');
    expect(page.url()).toContain('step=1');
    const [svg] = await Promise.all([page.waitForEvent('download'), page.click('#download-svg')]);
    expect(svg.suggestedFilename()).toBe('adjoint-graph.svg');
    const svgText = readFileSync((await svg.path())!, 'utf8');
    expect(svgText).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svgText.match(/class="node"/g)).toHaveLength(2);
    const [dot] = await Promise.all([page.waitForEvent('download'), page.click('#download-dot')]);
    expect(readFileSync((await dot.path())!, 'utf8')).toBe(toDot(buildGraph('y = x * x', { x: 3 }), 1));
    const again = await browser.newPage();
    await again.goto(page.url());
    await again.locator('#graph svg').first().waitFor({ state: 'attached', timeout: 30_000 });
    expect(await again.locator('#position').textContent()).toBe('step 1 of 1');
    await again.close();
    expect(errors).toEqual([]);
    await page.close();
    // the link button puts the address on the clipboard, where the page may write
    const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
    const withClipboard = await context.newPage();
    await withClipboard.goto(`${url}#graph?${new URLSearchParams({ source: 'y = x * x', step: '1' })}`);
    await withClipboard.locator('#graph svg').first().waitFor({ state: 'attached', timeout: 30_000 });
    await withClipboard.click('#copy-link');
    await expect.poll(() => withClipboard.locator('#copy-link').textContent()).toBe('link copied');
    expect(await withClipboard.evaluate(() => navigator.clipboard.readText())).toBe(withClipboard.url());
    await context.close();
  }, 30_000);

  test('log(x) + 1 / z at x = −1, z = 0: the line names log as where NaN arises; graph, inputs and table stay', async () => {
    const page = await open(
      `#graph?${new URLSearchParams({ source: 'y = log(x) + 1 / z', 'v.x': '-1', 'v.z': '0' })}`,
    );
    await page.click('#last');
    expect(await page.locator('#nonfinite').textContent()).toMatch(
      /^NaN first appears at the log node \(NaN\), from log of x = -1\./,
    );
    expect(await page.locator('#graph g.node').count()).toBeGreaterThan(0);
    expect(await page.locator('#inputs input[type=number]').count()).toBe(2);
    expect(await page.locator('#fd tbody tr').count()).toBe(2);
    await page.fill('#in-x', '2');
    await expect
      .poll(() => page.locator('#nonfinite').textContent())
      .toMatch(/^∞ first appears at the ÷ node/);
    await page.fill('#in-z', '1');
    await expect.poll(() => page.locator('#nonfinite').isVisible()).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('on a phone, a graph wider than its box says that it scrolls; on a laptop it fits and says nothing', async () => {
    const wide = await open();
    expect(await wide.locator('#graph-hint').isVisible()).toBe(false);
    await wide.close();
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await phone.goto(`${url}#graph`);
    await phone.locator('#graph svg').first().waitFor({ state: 'attached', timeout: 30_000 });
    await expect.poll(() => phone.locator('#graph-hint').isVisible()).toBe(true);
    expect(await phone.locator('#graph-hint').textContent()).toBe(
      'The graph is wider than the screen: scroll it sideways to see the rest.',
    );
    await phone.close();
  });

  test('editing an input updates every value and bar', async () => {
    const page = await open(`#graph?${new URLSearchParams({ source: 'y = x * x', 'v.x': '3' })}`);
    await page.click('#last');
    expect(await shownBars(page)).toEqual(['6', '1']);
    await page.fill('#in-x', '5');
    await expect.poll(() => shownBars(page)).toEqual(['10', '1']);
    expect(page.url()).toContain('v.x=5');
    await page.close();
  });

  test('training moons from seed 0 passes 95% accuracy in a worker, the page answering a click meanwhile', async () => {
    const page = await open('#train?data=moons&seed=0', '#network svg');
    const points = dataset('moons', 200, 0.1, 0);
    const steps = async () =>
      Number(/step (\d+)/.exec((await page.locator('#stats').textContent()) ?? '')?.[1]);
    await page.click('#play');
    await expect.poll(steps, { timeout: 30_000 }).toBeGreaterThanOrEqual(50);
    // the steps run in the training worker, not on the page's thread
    expect(page.workers().map((w) => new URL(w.url()).pathname)).toEqual([
      expect.stringMatching(/train-worker[^/]*\.js$/),
    ]);
    // a click on a neuron while it trains shows that neuron's details, and the training goes on
    await page.click('#network .neuron[data-layer="2"][data-unit="2"]');
    expect(await page.locator('#neuron-detail').textContent()).toMatch(/^layer 2, neuron 3: weights in /);
    const clickedAt = await steps();
    await expect.poll(steps, { timeout: 30_000 }).toBeGreaterThanOrEqual(clickedAt + 100);
    await expect
      .poll(async () => Number(await page.locator('#stats').getAttribute('data-score')), {
        timeout: 60_000,
      })
      .toBeGreaterThanOrEqual(0.95);
    await page.click('#play');
    expect(await page.locator('#play').textContent()).toBe('▶ play');
    expect(await page.locator('#boundary svg').count()).toBe(1);
    // inside the network: a map per input and neuron (2 + 8 + 8 + 1), an edge per weight (16 + 64 + 8)
    expect(await page.locator('#network canvas.map').count()).toBe(19);
    expect(await page.locator('#network line.weight').count()).toBe(88);
    expect(await page.locator('#network .neuron title').nth(2).textContent()).toMatch(
      /^layer 1, neuron 1: weights in -?\d\.\d{3}, -?\d\.\d{3}; bias -?\d\.\d{3}$/,
    );
    // tapping a neuron shows its weights, bias and bars on the last batch
    await page.click('#network .neuron[data-layer="2"][data-unit="0"]');
    expect(await page.locator('#neuron-detail').textContent()).toMatch(
      /^layer 2, neuron 1: weights in .*; bias .*\. On the last mini-batch \(20 samples\): Σ h̄ = .*Σ z̄ = /,
    );
    // the loss chart's log axis labels every tick it draws
    const labels = await page.$$eval('#loss-curve svg [aria-label="y-axis tick label"] text', (ts) =>
      ts.map((t) => t.textContent ?? ''),
    );
    const ticks = await page.locator('#loss-curve svg [aria-label="y-axis tick"] path').count();
    expect(labels.length).toBeGreaterThanOrEqual(1);
    expect(labels.length).toBe(ticks);
    for (const text of labels) expect(text).toMatch(/^\d/);
    // the trained model downloads as adjoint's JSON, which loadModel reads back
    const [file] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    expect(file.suggestedFilename()).toBe('adjoint-moons.json');
    const saved = JSON.parse(readFileSync((await file.path())!, 'utf8'));
    expect(saved.format).toBe('adjoint.mlp');
    const trained = loadModel(saved);
    // the model where the pause landed (a few steps after 95%, wherever the worker heard it): its accuracy
    // on the points is the one the page shows
    const score = accuracy(predict(trained, tensor(points.x)), points.y);
    await expect
      .poll(async () => Number(await page.locator('#stats').getAttribute('data-score')))
      .toBe(score);
    // and as safetensors (round-trips bit for bit) and ONNX (float32; ONNX Runtime Web runs it)
    const expected = Array.from(predict(trained, tensor(points.x)).data);
    const [st] = await Promise.all([page.waitForEvent('download'), page.click('#download-safetensors')]);
    expect(st.suggestedFilename()).toBe('adjoint-moons.safetensors');
    const fromFile = fromSafetensors(new Uint8Array(readFileSync((await st.path())!)), saved.spec);
    expect(Array.from(predict(fromFile, tensor(points.x)).data)).toEqual(expected);
    const [onnxFile] = await Promise.all([page.waitForEvent('download'), page.click('#download-onnx')]);
    expect(onnxFile.suggestedFilename()).toBe('adjoint-moons.onnx');
    const onnx = new Uint8Array(readFileSync((await onnxFile.path())!));
    const session = await ort.InferenceSession.create(onnx);
    const input = new ort.Tensor('float32', Float32Array.from(points.x.flat()), [points.x.length, 2]);
    const run = await session.run({ [session.inputNames[0]!]: input });
    const out = Array.from(run[session.outputNames[0]!]!.data as Float32Array);
    out.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 5);
    });
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  test('the Train view loads without Graphviz; the graph view fetches it when first shown', async () => {
    const requested: string[] = [];
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('request', (request) => requested.push(new URL(request.url()).pathname));
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${url}#train`);
    await page.locator('#network svg').waitFor({ state: 'attached', timeout: 30_000 });
    const scripts = () => requested.filter((path) => path.endsWith('.js'));
    expect(scripts().length).toBeGreaterThanOrEqual(1);
    expect(scripts().filter((path) => /\/viz-[^/]*\.js$/.test(path))).toEqual([]);
    expect(await page.locator('#graph svg').count()).toBe(0);
    await page.click('#tab-graph');
    await page.locator('#graph svg').first().waitFor({ state: 'attached', timeout: 30_000 });
    expect(scripts().filter((path) => /\/viz-[^/]*\.js$/.test(path))).toHaveLength(1);
    // and the graph view, opened first, starts no training worker
    const graphFirst: string[] = [];
    const other = await browser.newPage();
    other.on('request', (request) => graphFirst.push(new URL(request.url()).pathname));
    await other.goto(`${url}#graph`);
    await other.locator('#graph svg').first().waitFor({ state: 'attached', timeout: 30_000 });
    expect(graphFirst.filter((path) => /train-worker/.test(path))).toEqual([]);
    await other.close();
    expect(await page.locator('#graph g.node').count()).toBe(10);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('a link to a trained run (stopped mid-epoch, stepped) trains the same weights again, bit for bit', async () => {
    const page = await open('#train?data=xor&layers=6&seed=3&batch=30', '#network svg');
    const steps = async (p: Page) =>
      Number(/step (\d+)/.exec((await p.locator('#stats').textContent()) ?? '')?.[1]);
    await page.click('#step');
    await page.click('#step');
    await expect.poll(() => steps(page)).toBe(2);
    await page.click('#play');
    await expect.poll(() => steps(page), { timeout: 30_000 }).toBeGreaterThanOrEqual(40);
    await page.click('#play');
    // paused: the address holds the step count the stats show
    const stepsInUrl = () => Number(new URLSearchParams(page.url().split('?')[1]).get('steps'));
    await expect.poll(async () => stepsInUrl() >= 40 && stepsInUrl() === (await steps(page))).toBe(true);
    const paused = await steps(page);
    await page.click('#step');
    const trained = paused + 1;
    await expect.poll(() => page.url()).toContain(`steps=${trained}`);
    expect(await steps(page)).toBe(trained);
    const json = async (p: Page) => {
      const [file] = await Promise.all([p.waitForEvent('download'), p.click('#download')]);
      return readFileSync((await file.path())!, 'utf8');
    };
    const weights = await json(page);
    const again = await open(new URL(page.url()).hash, '#network svg');
    await expect.poll(() => steps(again), { timeout: 30_000 }).toBe(trained);
    expect(await json(again)).toBe(weights);
    expect(again.url()).toContain(`steps=${trained}`);
    expect(await again.locator('#train-status').isHidden()).toBe(true);
    // more steps than the page reproduces: said, not silently cut short
    const tooMany = await open('#train?data=xor&steps=1000000', '#network svg');
    expect(await tooMany.locator('#train-status').textContent()).toBe(
      'This link asks for 1000000 steps; the page reproduces at most 100000, so the run starts from step 0.',
    );
    expect(await steps(tooMany)).toBe(0);
    await tooMany.close();
    expect(errors).toEqual([]);
    await again.close();
    await page.close();
  }, 60_000);

  test('on the GPU (WebGPU, float32): moons passes 95%, the views drawn from its CPU copy; a link gives the CPU run’s weights', async () => {
    const page = await open('#train?data=moons&seed=0&device=webgpu', '#network svg');
    expect(await page.inputValue('#device')).toBe('webgpu');
    expect(await page.locator('#device option[value="webgpu"]').isDisabled()).toBe(false);
    await page.click('#play');
    await expect
      .poll(async () => Number(await page.locator('#stats').getAttribute('data-score')), {
        timeout: 60_000,
      })
      .toBeGreaterThanOrEqual(0.95);
    await page.click('#play');
    expect(await page.locator('#train-status').isHidden()).toBe(true);
    expect(await page.locator('#network canvas.map').count()).toBe(19);
    // the model where it paused: the page's score is its accuracy on the points
    const [file] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    const trained = loadModel(JSON.parse(readFileSync((await file.path())!, 'utf8')));
    const points = dataset('moons', 200, 0.1, 0);
    const score = accuracy(predict(trained, tensor(points.x)), points.y);
    expect(Number(await page.locator('#stats').getAttribute('data-score'))).toBe(score);
    await page.close();
    // 40 steps by link on each device: the same run, float32 against float64
    const weightsAfter = async (hash: string) => {
      const p = await open(hash, '#network svg');
      await expect
        .poll(async () => /step (\d+)/.exec((await p.locator('#stats').textContent()) ?? '')?.[1], {
          timeout: 30_000,
        })
        .toBe('40');
      const [f] = await Promise.all([p.waitForEvent('download'), p.click('#download')]);
      const saved = JSON.parse(readFileSync((await f.path())!, 'utf8'));
      // a neuron's weights, bias and bars on the last mini-batch, as the page prints them
      await p.click('#network .neuron[data-layer="1"][data-unit="2"]');
      const detail = await p.locator('#neuron-detail').textContent();
      await p.close();
      const weights = loadModel(saved)
        .parameters()
        .flatMap((t) => Array.from(t.data));
      return { weights, detail };
    };
    const link = '#train?data=xor&layers=6&seed=3&batch=30&steps=40';
    const [onGpu, onCpu] = [await weightsAfter(`${link}&device=webgpu`), await weightsAfter(link)];
    expect(onGpu.weights).toHaveLength(onCpu.weights.length);
    // float32 against float64 after 40 Adam steps: 1.6e-7 apart when measured
    for (const [i, v] of onGpu.weights.entries()) expect(Math.abs(v - onCpu.weights[i]!)).toBeLessThan(1e-5);
    expect(onGpu.detail).toMatch(/On the last mini-batch \(30 samples\): Σ h̄ = /);
    expect(onGpu.detail).toBe(onCpu.detail);
    expect(errors).toEqual([]);
  }, 120_000);

  test('regression: gaussians trains to R² ≥ 0.8 with mean squared error, its output drawn over the plane', async () => {
    const page = await open('#train?data=gaussians&loss=bce', '#network svg');
    expect(await page.inputValue('#loss')).toBe('mse');
    expect(await page.locator('#loss option[value="bce"]').isDisabled()).toBe(true);
    expect(page.url()).toContain('loss=mse');
    expect(await page.locator('#boundary-title').textContent()).toBe('The network’s output over the plane');
    await page.click('#play');
    await expect
      .poll(async () => Number(await page.locator('#stats').getAttribute('data-score')), { timeout: 60_000 })
      .toBeGreaterThanOrEqual(0.8);
    await page.click('#play');
    expect(await page.locator('#stats').textContent()).toMatch(/ · R² 0\.\d{3}$/);
    // the points coloured by their targets on the output's scale: both ends of it appear
    const fills = await page.$$eval('#boundary svg circle', (cs) => cs.map((c) => c.getAttribute('fill')));
    expect(fills).toHaveLength(200);
    expect(new Set(fills).size).toBeGreaterThan(20);
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  test('a shared URL restores the configuration', async () => {
    const page = await open(
      '#train?data=circles&layers=4,3&optimizer=sgd&lr=0.1&batch=10&seed=7',
      '#network svg',
    );
    const values = await page.$$eval(
      ['#data', '#layers', '#optimizer', '#lr', '#batch', '#seed'].join(','),
      (els) => els.map((e) => (e as HTMLInputElement).value),
    );
    expect(values).toEqual(['circles', '4, 3', 'sgd', '0.1', '10', '7']);
    expect(page.url()).toContain('data=circles');
    // features as TensorFlow Playground offers them: ticked from the address, drawn as the inputs' maps
    const withFeatures = await open('#train?data=circles&features=x1sq,x2sq,x1x2&layers=3', '#network svg');
    expect(await withFeatures.locator('#features input:checked').count()).toBe(3);
    expect(await withFeatures.isChecked('#feature-x1sq')).toBe(true);
    expect(await withFeatures.isChecked('#feature-x1')).toBe(false);
    // 3 inputs + 3 hidden + 1 output maps; 9 + 3 weights
    expect(await withFeatures.locator('#network canvas.map').count()).toBe(7);
    expect(await withFeatures.locator('#network line.weight').count()).toBe(12);
    await withFeatures.uncheck('#feature-x1x2');
    await expect.poll(() => withFeatures.url()).toContain('features=x1sq%2Cx2sq');
    await expect.poll(() => withFeatures.locator('#network canvas.map').count()).toBe(6);
    await withFeatures.close();
    await page.close();
  });
});

// issue 30: the launcher's server on a busy port, on signals, and when its launcher dies
describe('the serve command', () => {
  const script = fileURLToPath(new URL('../scripts/serve.mjs', import.meta.url));

  /** Starts the serve command with `args`; resolves once it printed its URL (or ended). */
  function start(args: string[]) {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const ended = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    const ready = new Promise<void>((done) => {
      child.stdout.on('data', () => stdout.includes('adjoint playground:') && done());
      void ended.then(() => done());
    });
    return { child, ended, ready, out: () => stdout, err: () => stderr };
  }

  test('a busy default port falls back to a free one; a busy --port is an error; SIGTERM ends it with 0', async () => {
    const blocker = createServer();
    await new Promise<void>((done) => {
      blocker.once('error', () => done()); // someone else holds it: it is busy either way
      blocker.listen(5174, '127.0.0.1', () => done());
    });
    try {
      const fallback = start([]);
      await fallback.ready;
      expect(fallback.out()).toContain('playground: port 5174 is in use; serving on a free one instead');
      const served = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(fallback.out());
      expect(Number(served?.[1])).not.toBe(5174);
      expect(await (await fetch(served![0])).text()).toContain('<!doctype html>');
      fallback.child.kill('SIGTERM');
      expect(await fallback.ended).toBe(0);

      const explicit = start(['--port', '5174']);
      expect(await explicit.ended).toBe(1);
      expect(explicit.err()).toBe(
        'playground: port 5174 is in use; choose another with --port N, or leave it out for a free one\n',
      );
      const bad = start(['--port', 'eighty']);
      expect(await bad.ended).toBe(2);
      expect(bad.err()).toContain(
        'playground: --port expects a port number from 0 (any free one) to 65535, got "eighty"',
      );
    } finally {
      blocker.close();
    }
  }, 30_000);

  test('when the process that started it dies, the server stops', async () => {
    // a launcher that starts the server and is then killed outright, as a closed terminal kills pnpm
    const launcher = spawn(
      process.execPath,
      [
        '-e',
        `const c = require('child_process').spawn(process.execPath, [${JSON.stringify(script)}, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
         c.stdout.on('data', (d) => { if (String(d).includes('adjoint playground:')) console.log('server', c.pid); });
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const pid = await new Promise<number>((done) =>
      launcher.stdout.on('data', (d) => {
        const m = /server (\d+)/.exec(String(d));
        if (m) done(Number(m[1]));
      }),
    );
    const alive = (p: number) => {
      try {
        process.kill(p, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive(pid)).toBe(true);
    launcher.kill('SIGKILL');
    const deadline = Date.now() + 5_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(alive(pid)).toBe(false);
  }, 30_000);
});
