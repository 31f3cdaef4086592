import { allocateFresh as allocate, type DType, type NDArray } from '../src/ndarray';

/** Arrays of the given shapes and dtype, filled in order from one seeded generator with values in [−0.5, 0.5). */
export function operands(dtype: DType, shapes: readonly number[][], seed: number): NDArray[] {
  let s = seed;
  const random = () => {
    s = (Math.imul(s, 1103515245) + 12345) | 0;
    return (s >>> 8) / 2 ** 24 - 0.5;
  };
  return shapes.map((shape) => {
    const data = allocate(
      dtype,
      shape.reduce((x, y) => x * y, 1),
    );
    for (let i = 0; i < data.length; i++) data[i] = random();
    return { data, shape };
  });
}
