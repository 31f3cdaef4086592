/**
 * adjoint against another checkout of itself, side by side in one process: what a change does to the
 * benchmark's adjoint rows, measured as the benchmark measures peers (warmed up, interleaved rounds in a
 * seeded order, medians with min–max). Both builds are loaded from source, each with its own nn and
 * examples, so neither shares a function (or the JIT's feedback on one) with the other.
 *
 *   git worktree add /tmp/base main && (cd /tmp/base && npx -y pnpm@10 install --frozen-lockfile)
 *   npx -y pnpm@10 bench:ab --base /tmp/base [--dtype float32|float64] [--only W2,W6] [--quick]
 *
 * Each table's last column is the base's median over this tree's: above 1, this tree is faster.
 *
 * Two engines in one process are not what a user runs: each adds its classes and call sites to V8's
 * shared caches. W2's eager float64 step, after the scalar workloads, measured 0.4–1.05 of the base's
 * speed here on a build that the single-engine benchmark (\`bench\`) timed at the base's speed (its ratio
 * to jax-js 0.88 and 0.87 against the base's 0.91 and 0.91); a row that differs here only, check there.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Command, callerPath, parseCommand, usageError } from '@adjoint/examples';
import { type Contestant, Races } from './harness.js';
import { checkOnly, dtypeOrEach, MNIST_MLP, RUN_FLAGS, WORKLOAD_HELP } from './workloads.js';

type Autograd = typeof import('@adjoint/autograd');
type Nn = typeof import('@adjoint/nn');
type Examples = typeof import('@adjoint/examples');
interface Build {
  readonly name: string;
  readonly ag: Autograd;
  readonly nn: Nn;
  readonly ex: Examples;
}

const COMMAND: Command = {
  prog: 'bench:ab',
  usage:
    'usage: npx -y pnpm@10 bench:ab --base DIR [--dtype float32|float64] [--only W2,W6] [--quick] [--out DIR] (--help lists the workloads)',
  help: `usage: npx -y pnpm@10 bench:ab --base DIR [options]

Times this tree's adjoint beside another checkout of it (DIR, installed), workload by workload, and
writes DIR/ab-<dtype>.json.

options:
  --base DIR      the other checkout, from where you are (required)
  --dtype D       float32 or float64 (default: both, each in a process of its own)
  --only IDS      the workloads to time, by id, comma-separated (W1, W2, W3, W5, W6 run here)
  --quick         fewer rounds
  --out DIR       where the JSON goes, from where you are (default ./out)
  --help          this text

workloads:
${WORKLOAD_HELP}`,
};
const { values } = parseCommand(COMMAND, { ...RUN_FLAGS, base: { type: 'string' } }, process.argv.slice(2));
if (values.base === undefined) usageError(COMMAND, '--base DIR (another checkout, installed) is required');
const only = checkOnly(COMMAND, values.only);
const dtype = dtypeOrEach(COMMAND, values.dtype);

/** A checkout's three packages, from source. */
async function load(name: string, root: string): Promise<Build> {
  const from = (pkg: string) => import(pathToFileURL(join(root, 'packages', pkg, 'src/index.ts')).href);
  return { name, ag: await from('autograd'), nn: await from('nn'), ex: await from('examples') };
}

const here = resolve(import.meta.dirname, '../../..');
const builds = [await load('this tree', here), await load('base', callerPath(values.base))];
const reps = values.quick ? 3 : 15;
const races = new Races(only);

/** One contestant per build (this tree first), named by the build and `what`. */
function each(what: string, make: (b: Build) => () => unknown): Contestant[] {
  return builds.map((b) => ({ name: `${b.name}${what}`, step: make(b) }));
}

function sgdStep(sgd: { zeroGrad(): void; step(): void }, loss: { backward(): void }): void {
  sgd.zeroGrad();
  loss.backward();
  sgd.step();
}

/** A compiled training step of `loss` on one build. */
function compiled(
  b: Build,
  params: import('@adjoint/autograd').Tensor[],
  loss: (x: never, y: never) => unknown,
) {
  const sgd = new b.nn.SGD(params, { lr: 0.05 });
  return b.ag.compile((x: never, y: never) => {
    sgd.zeroGrad();
    const value = loss(x, y) as { backward(): void };
    value.backward();
    sgd.step();
    return value;
  });
}

if (dtype === 'float64') {
  await races.race(
    'W1 scalar graph: MLP(2,[16,16,1]) on 100 moons, one step',
    each('', (b) => {
      const data = b.ex.moons(100, 0.1, 0);
      const signs = data.y.map((v) => 2 * v - 1);
      const net = b.nn.scalarMlp(b.ex.moonsSpec(1));
      const sgd = new b.nn.SGD(net.parameters(), { lr: 0.05 });
      return () => sgdStep(sgd, b.ex.marginLoss(net, data.x, signs));
    }),
    reps,
    { batch: 5 },
  );
  for (const steps of values.quick ? [1e5] : [1e5, 1e6]) {
    await races.race(
      `W5 deep chain: x = x·1.0001 + 0.0001, N = ${steps.toExponential(0)}, forward + backward`,
      each('', (b) => () => {
        const x = new b.ag.Value(1);
        let y = x;
        for (let i = 0; i < steps; i++) y = y.mul(1.0001).add(0.0001);
        y.backward();
        return x.grad;
      }),
      steps >= 1e6 ? 7 : reps,
    );
  }
}

for (const compile of [false, true]) {
  await races.race(
    `W2 small tensor MLP: 2-16-16-1, X 100×2, one SGD step${compile ? ', compiled' : ''}`,
    each('', (b) => {
      const data = b.ex.moons(100, 0.1, 0);
      const x = b.ag.tensor(data.x, { dtype });
      const negY = b.ag.tensor(
        data.y.map((v) => [1 - 2 * v]),
        { dtype },
      );
      const net = b.nn.mlp(b.ex.moonsSpec(1), { dtype });
      if (compile) {
        const step = compiled(b, net.parameters(), (xs: never, ys: never) =>
          b.ex.marginLossTensor(net, xs, ys),
        );
        return () => step(x as never, negY as never);
      }
      const sgd = new b.nn.SGD(net.parameters(), { lr: 0.05 });
      return () => sgdStep(sgd, b.ex.marginLossTensor(net, x, negY));
    }),
    reps,
  );
}

for (const compile of [false, true]) {
  await races.race(
    `W3 MNIST-size MLP: 784-128-64-10, batch 128, one SGD step${compile ? ', compiled' : ''}`,
    each('', (b) => {
      const rng = new b.ag.Rng(5);
      const images = Float32Array.from({ length: 128 * 784 }, () => rng.uniform());
      const labels = Array.from({ length: 128 }, () => rng.int(10));
      const net = b.nn.mlp(MNIST_MLP, { dtype });
      const x = b.ag.tensor(images, { shape: [128, 784], dtype });
      const y = b.ag.oneHot(b.ag.tensor(labels), 10);
      if (compile) {
        const step = compiled(b, net.parameters(), (xs: never, ys: never) =>
          b.nn.softmaxCrossEntropy(net.forward(xs), ys),
        );
        return () => step(x as never, y as never);
      }
      const sgd = new b.nn.SGD(net.parameters(), { lr: 0.05 });
      return () => sgdStep(sgd, b.nn.softmaxCrossEntropy(net.forward(x), labels));
    }),
    reps,
  );
}

for (const compile of [false, true]) {
  await races.race(
    `W6 MNIST CNN: conv32-pool-conv64-pool-dense128-dense10, batch 64, one SGD step${compile ? ', compiled' : ''}`,
    each('', (b) => {
      const spec = b.ex.mnistCnnSpec(6);
      const net = b.nn.sequential(
        { ...spec, layers: spec.layers.filter((l) => !('kind' in l && l.kind === 'dropout')) },
        { dtype },
      );
      const rng = new b.ag.Rng(11);
      const x = b.ag.tensor(
        Float32Array.from({ length: 64 * 784 }, () => rng.uniform()),
        { shape: [64, 1, 28, 28], dtype },
      );
      const y = b.ag.oneHot(b.ag.tensor(Array.from({ length: 64 }, () => rng.int(10))), 10);
      if (compile) {
        const step = compiled(b, net.parameters(), (xs: never, ys: never) =>
          b.nn.softmaxCrossEntropy(net.forward(xs), ys),
        );
        return () => step(x as never, y as never);
      }
      const sgd = new b.nn.SGD(net.parameters(), { lr: 0.05 });
      return () => sgdStep(sgd, b.nn.softmaxCrossEntropy(net.forward(x), y));
    }),
    Math.min(reps, 7),
  );
}

const out = callerPath(values.out ?? 'out');
mkdirSync(out, { recursive: true });
const file = join(out, `ab-${dtype}.json`);
writeFileSync(
  file,
  `${JSON.stringify({ date: new Date().toISOString(), dtype, rows: races.rows }, null, 2)}\n`,
);
console.log(`\nwrote ${file}`);
