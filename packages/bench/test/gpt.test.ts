import * as jax from '@jax-js/jax';
import { expect, test } from 'vitest';
import { adjointGptStep, GPT_FLOPS, jaxGptStep } from '../src/gpt.js';

// W9 times the same computation on every contestant: from adjoint's parameters and one batch, the first
// step's loss is the same on each (log 27 nearly, the start of a GPT initialised as nanoGPT's), and the
// compiled step is the eager one.
test('W9: adjoint eager and compiled, and jax-js, take the same first step', async () => {
  const [eager, compiled] = [adjointGptStep('float32'), adjointGptStep('float32', true)];
  const first = eager() as number;
  expect(compiled()).toBe(first);
  expect(first).toBeCloseTo(Math.log(27), 1);
  await jax.init('wasm');
  jax.defaultDevice('wasm');
  const fromJax = (await jaxGptStep()()) as Float32Array;
  expect(Math.abs(fromJax[0]! - first)).toBeLessThan(1e-5);
  // and the second steps agree too: the same update of the same gradients
  expect(compiled()).toBe(eager());
  expect(GPT_FLOPS).toBeGreaterThan(6e8);
}, 60_000);
