// Sliding windows: unfold (im2col) and its adjoint fold (col2im, each image element gathering the
// columns that hold it, in tap order), max pooling, and the routes of its gradient to each window's
// maxima (shared evenly among ties), each as one invocation per output element.

import type { Window } from '../kernels/window.js';
import { geometry } from '../kernels/window.js';
import { type NDArray, sizeOf } from '../ndarray.js';
import type { FoldAttrs, UnfoldAttrs } from '../rules/window.js';
import type { GpuKernel } from './device.js';
import { coordinates, perElement } from './shader.js';
import { literal } from './wgsl.js';

export const unfold: GpuKernel<UnfoldAttrs> = (gpu, [x], attrs) => {
  const { n, c, h, wd, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = geometry(x!.shape, attrs);
  const shape = [n, c, kh * kw, oh * ow];
  const body = `${coordinates(shape)}
  let y = i32((c3 / ${ow}u) * ${sh}u + (c2 / ${kw}u) * ${dh}u) - ${ph};
  let x = i32((c3 % ${ow}u) * ${sw}u + (c2 % ${kw}u) * ${dw}u) - ${pw};
  if (y >= 0 && y < ${h} && x >= 0 && x < ${wd}) {
    out[i] = x0[(c0 * ${c}u + c1) * ${h * wd}u + u32(y) * ${wd}u + u32(x)];
  } else {
    out[i] = ${literal(attrs.fill)};
  }`;
  return perElement(gpu, [x!], sizeOf(shape), body, shape);
};

export const fold: GpuKernel<FoldAttrs> = (gpu, [cols], attrs) => {
  const { c, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = geometry(attrs.shape, attrs);
  const body = `${coordinates(attrs.shape)}
  var sum = 0.0;
  for (var ky = 0; ky < ${kh}; ky++) {
    let ty = i32(c2) + ${ph} - ky * ${dh};
    if (ty < 0 || ty % ${sh} != 0 || ty / ${sh} >= ${oh}) { continue; }
    for (var kx = 0; kx < ${kw}; kx++) {
      let tx = i32(c3) + ${pw} - kx * ${dw};
      if (tx < 0 || tx % ${sw} != 0 || tx / ${sw} >= ${ow}) { continue; }
      let tap = u32(ky * ${kw} + kx);
      sum += x0[((c0 * ${c}u + c1) * ${kh * kw}u + tap) * ${oh * ow}u + u32(ty / ${sh}) * ${ow}u + u32(tx / ${sw})];
    }
  }
  out[i] = sum;`;
  return perElement(gpu, [cols!], sizeOf(attrs.shape), body, attrs.shape);
};

/** WGSL that walks the window at pooled position (oy, ox) of plane `plane`, clipped to the image. */
function windowLoop(shape: readonly number[], w: Window, inner: string): string {
  const { h, wd, kh, kw, sh, sw, ph, pw } = geometry(shape, w);
  return `let r0 = max(i32(oy * ${sh}u) - ${ph}, 0);
  let r1 = min(i32(oy * ${sh}u) - ${ph} + ${kh}, ${h});
  let q0 = max(i32(ox * ${sw}u) - ${pw}, 0);
  let q1 = min(i32(ox * ${sw}u) - ${pw} + ${kw}, ${wd});
  for (var r = r0; r < r1; r++) {
    for (var q = q0; q < q1; q++) {
      let at = plane * ${h * wd}u + u32(r) * ${wd}u + u32(q);
      ${inner}
    }
  }`;
}

function pooledShape(x: NDArray | { shape: readonly number[] }, w: Window): number[] {
  const { n, c, oh, ow } = geometry(x.shape, w);
  return [n, c, oh, ow];
}

export const maxPool: GpuKernel<Window> = (gpu, [x], w) => {
  const shape = pooledShape(x!, w);
  const body = `${coordinates(shape)}
  let plane = c0 * ${shape[1]}u + c1;
  let oy = c2;
  let ox = c3;
  var m = inf_f32(-1.0);
  ${windowLoop(x!.shape, w, 'let v = x0[at]; if (v > m || v != v) { m = v; }')}
  out[i] = m;`;
  return perElement(gpu, [x!], sizeOf(shape), body, shape);
};

/** maxScatter(g, x, y): each x element sums g/ties over the windows whose maximum y it equals. */
export const maxScatter: GpuKernel<Window> = (gpu, [g, x, y], w) => {
  const { n, c, h, wd, kh, kw, sh, sw, ph, pw, oh, ow } = geometry(x!.shape, w);
  const ties = windowLoop(x!.shape, w, 'if (x1[at] == m) { ties += 1.0; }');
  const body = `${coordinates([n, c, h, wd])}
  let plane = c0 * ${c}u + c1;
  let value = x1[i];
  var sum = 0.0;
  // the windows that hold (c2, c3): oy·sh − ph ≤ c2 < oy·sh − ph + kh, and the same across
  let fromY = max(i32(c2) + ${ph} - ${kh} + ${sh}, 0) / ${sh};
  let toY = min((i32(c2) + ${ph}) / ${sh} + 1, ${oh});
  let fromX = max(i32(c3) + ${pw} - ${kw} + ${sw}, 0) / ${sw};
  let toX = min((i32(c3) + ${pw}) / ${sw} + 1, ${ow});
  for (var wy = fromY; wy < toY; wy++) {
    let oy = u32(wy);
    for (var wx = fromX; wx < toX; wx++) {
      let ox = u32(wx);
      let o = plane * ${oh * ow}u + oy * ${ow}u + ox;
      let m = x2[o];
      if (value != m) { continue; }
      var ties = 0.0;
      ${ties}
      sum += x0[o] / ties;
    }
  }
  out[i] = sum;`;
  return perElement(gpu, [g!, x!, y!], n * c * h * wd, body, x!.shape);
};

/** maxGather(v, x, y): each window's mean of v over its maxima (0 for a window with none). */
export const maxGather: GpuKernel<Window> = (gpu, [v, x, y], w) => {
  const shape = pooledShape(x!, w);
  const body = `${coordinates(shape)}
  let plane = c0 * ${shape[1]}u + c1;
  let oy = c2;
  let ox = c3;
  let m = x2[i];
  var ties = 0.0;
  var sum = 0.0;
  ${windowLoop(x!.shape, w, 'if (x1[at] == m) { ties += 1.0; sum += x0[at]; }')}
  if (ties == 0.0) { out[i] = 0.0; } else { out[i] = sum / ties; }`;
  return perElement(gpu, [v!, x!, y!], sizeOf(shape), body, shape);
};
