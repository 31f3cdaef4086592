import { fromSafetensors, mlp, toSafetensors } from '@adjoint/nn';

const spec = { inputs: 2, layers: [{ units: 1, activation: 'sigmoid' as const }] };
const net = mlp({ ...spec, seed: 4 });
const back = fromSafetensors(toSafetensors(net), spec); // the spec says what the tensors are
console.log(back.parameters().map((p) => p.shape)); // prints [ [ 1, 2 ], [ 1 ] ]
