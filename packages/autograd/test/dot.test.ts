import { toDot, Value } from '@adjoint/autograd';
import { expect, test } from 'vitest';

test('toDot writes one record per node with its name, data and adjoint as a bar (a̅), and one ellipse per op', () => {
  const a = new Value(2, 'a');
  const b = new Value(-3, 'b');
  const c = a.mul(b);
  c.label = 'c';
  const d = c.add(a.tanh()).mul(2);
  d.label = 'd|<out>';
  expect(toDot(d)).toBe(`digraph adjoint {
  rankdir=LR;
  node [shape=record];
  n0 [label="{ a | data 2 | a̅ = -5.8587 }"];
  n1 [label="{ b | data -3 | b̅ = 4 }"];
  n2 [label="{ c | data -6 | c̅ = 2 }"];
  n2_op [label="mul", shape=ellipse];
  n2_op -> n2;
  n0 -> n2_op;
  n1 -> n2_op;
  n3 [label="{ n3 | data 0.964028 | n̅3̅ = 2 }"];
  n3_op [label="tanh", shape=ellipse];
  n3_op -> n3;
  n0 -> n3_op;
  n4 [label="{ n4 | data -5.03597 | n̅4̅ = 2 }"];
  n4_op [label="add", shape=ellipse];
  n4_op -> n4;
  n2 -> n4_op;
  n3 -> n4_op;
  n5 [label="{ n5 | data 2 }"];
  n6 [label="{ d\\|\\<out\\> | data -10.0719 | d̅\\|̅\\<̅o̅u̅t̅\\>̅ = 1 }"];
  n6_op [label="mul", shape=ellipse];
  n6_op -> n6;
  n4 -> n6_op;
  n5 -> n6_op;
}
`);
  expect(a.grad).toBe(0); // toDot computes adjoints without touching .grad
});
