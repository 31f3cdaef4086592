import { workedExpression } from './expression';

const fixed = (x: number) => x.toFixed(4);
const result = workedExpression();
console.log("adjoint: the expression of micrograd's README, differentiated by reverse mode\n");
console.log(`  g      = ${fixed(result.g)}   (micrograd: 24.7041)`);
console.log(`  ∂g/∂a  = ${fixed(result.aGrad)}  (micrograd: 138.8338)`);
console.log(`  ∂g/∂b  = ${fixed(result.bGrad)}  (micrograd: 645.5773)`);
console.log(`\nIts graph has ${result.nodes} nodes; in Graphviz DOT (paste into any DOT viewer):\n`);
console.log(result.dot);
