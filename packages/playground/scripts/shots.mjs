/**
 * Screenshots of each view of the built site, from the system's Chromium, at a laptop's 1280×800 and a
 * phone's 390×844: `npx -y pnpm@10 playground:shots` writes them to out/playground/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { serve } from './serve.mjs';

const out = fileURLToPath(new URL('../../../out/playground', import.meta.url));
mkdirSync(out, { recursive: true });
const { server, url } = await serve();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
const written = [];
try {
  for (const [device, viewport] of [
    ['desktop', { width: 1280, height: 800 }],
    ['phone', { width: 390, height: 844 }],
  ]) {
    const page = await browser.newPage({ viewport, deviceScaleFactor: device === 'phone' ? 2 : 1 });
    const shot = async (name) => {
      const path = join(out, `${name}-${device}.png`);
      await page.screenshot({ path, fullPage: true });
      written.push(path);
    };
    // the graph: micrograd's neuron halfway through its backward pass
    await page.goto(`${url}#graph`);
    await page.locator('#graph svg').waitFor();
    for (let k = 0; k < 3; k++) await page.click('#forward');
    await page.waitForTimeout(300);
    await shot('graph');
    // a value used twice, at its second step: the accumulation
    await page.goto(`${url}#graph?${new URLSearchParams({ source: 'b = a + a; c = b + b', 'v.a': '1' })}`);
    await page.reload();
    await page.locator('#graph svg').waitFor();
    await page.click('#forward');
    await page.click('#forward');
    await page.waitForTimeout(300);
    await shot('accumulate');
    // a parse error
    await page.fill('#source', 'tanh(x * ) + b');
    await page.waitForTimeout(200);
    await shot('error');
    // where a NaN arises: log(x) at x = −1
    await page.goto(
      `${url}#graph?${new URLSearchParams({ source: 'y = log(x) + 1 / z', 'v.x': '-1', 'v.z': '0' })}`,
    );
    await page.reload();
    await page.locator('#graph svg').waitFor();
    await page.click('#last');
    await page.waitForTimeout(300);
    await shot('nan');
    // derive it yourself: micrograd's neuron, a wrong answer explained
    await page.goto(`${url}#graph`);
    await page.reload();
    await page.locator('#graph svg').waitFor();
    await page.check('#derive');
    await page.click('#forward');
    await page.fill('#answer-0', 'ybar * y');
    await page.click('#exercise-check');
    await page.waitForTimeout(200);
    await shot('exercise');
    // forward mode on note 004's network, stepped to its third computed node
    await page.goto(`${url}#graph`);
    await page.reload();
    await page.locator('#graph svg').waitFor();
    await page.selectOption('#preset', 'umons');
    await page.click('#forward-mode summary');
    await page.click('#tan-first');
    for (let k = 0; k < 3; k++) await page.click('#tan-forward');
    await page.waitForTimeout(400);
    await shot('tangents');
    // training circles from x₁², x₂² and x₁x₂ a few seconds in, with the network drawn inside
    await page.goto(`${url}#train?data=circles&features=x1sq,x2sq,x1x2&layers=4`);
    await page.reload();
    await page.click('#play');
    await page.waitForTimeout(3000);
    await page.click('#play');
    await page.waitForTimeout(300);
    await page.click('#network .neuron[data-layer="1"][data-unit="1"]');
    await shot('features');
    // regression: the gaussians, a few seconds in
    await page.goto(`${url}#train?data=gaussians&loss=mse&layers=8,8`);
    await page.reload();
    await page.click('#play');
    await page.waitForTimeout(4000);
    await page.click('#play');
    await page.waitForTimeout(300);
    await shot('regression');
    // training the spiral until it is learned (it sits on a plateau for a few thousand steps first)
    await page.goto(`${url}#train?data=spiral&layers=16,16&lr=0.03`);
    await page.reload();
    await page.click('#play');
    await page.waitForFunction(() => Number(document.querySelector('#stats').dataset.score) >= 0.95, null, {
      timeout: 60_000,
    });
    await page.click('#play');
    await page.waitForTimeout(300);
    await shot('train');
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}
console.log(written.join('\n'));
