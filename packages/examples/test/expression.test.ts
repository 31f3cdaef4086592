import { workedExpression } from '@adjoint/examples';
import { expect, test } from 'vitest';

test("the worked expression reproduces micrograd's published value and gradients", () => {
  const { g, aGrad, bGrad, dot } = workedExpression();
  expect(g.toFixed(4)).toBe('24.7041');
  expect(aGrad.toFixed(4)).toBe('138.8338');
  expect(bGrad.toFixed(4)).toBe('645.5773');
  expect(dot.startsWith('digraph adjoint {')).toBe(true);
  expect(dot).toContain('{ g | data 24.7041 | g\u0305 = 1 }'); // the output's own bar, ḡ = 1
});
