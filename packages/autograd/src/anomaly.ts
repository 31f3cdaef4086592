import { callSynchronously, Mode } from './scope.js';

// Anomaly mode, like PyTorch's detect_anomaly: a flag the ops check (one test when off), and the
// stacks where nodes were created, kept only while it is on.

const anomalyMode = new Mode(false);
/** Where each node was created, recorded only while anomaly mode is on. */
const creationSites = new WeakMap<object, string>();

/** Whether anomaly mode is on (inside `detectAnomaly`). */
export function isAnomalyEnabled(): boolean {
  return anomalyMode.value;
}

/**
 * Runs `fn` in anomaly mode, like PyTorch's detect_anomaly: the first op whose forward output, or whose
 * gradient in a backward pass started inside, holds NaN or ±Infinity throws an Error naming the op, the
 * node's label, the pass, and the stack where the node was created. Costs a stack capture per op, so it
 * is for debugging; outside it, the check is one flag per op.
 */
export function detectAnomaly<T>(fn: () => T): T {
  return anomalyMode.with(true, () => callSynchronously('detectAnomaly', 'anomaly mode', fn));
}

/** Runs `fn` with the forward check off: the sweep checks what a vjp returns, not its arithmetic. */
export function withAnomalyPaused<T>(fn: () => T): T {
  return anomalyMode.with(false, fn);
}

/** In anomaly mode: remembers where `node` was created, and throws if its forward value is not finite. */
export function watchForward<N extends { allFinite(): boolean; readonly label: string }>(
  node: N,
  op: string,
): N {
  creationSites.set(node, creationSite());
  if (!node.allFinite()) throw anomaly('forward', op, node, 'its output');
  return node;
}

/** The error anomaly mode throws, naming the pass, the op, the node and where it was made. */
export function anomaly(
  pass: 'forward' | 'backward',
  op: string,
  node: { readonly label: string },
  what: string,
): Error {
  const label = node.label === '' ? 'unlabeled' : `"${node.label}"`;
  const site = creationSites.get(node) ?? '    (created outside detectAnomaly)';
  return new Error(
    `detectAnomaly: in the ${pass} pass, ${what} of ${op} (node ${label}) holds NaN or Infinity; the node was created at:\n${site}`,
  );
}

/**
 * Where the engine's own modules live, as stack frames name them: a file path in Node.js, a URL in a
 * browser (src/ when run from source, dist/ when installed).
 */
const ENGINE = ((url: string) => {
  const folder = url.slice(0, url.lastIndexOf('/') + 1); // (not new URL('.', …): bundlers rewrite that form)
  return folder.startsWith('file://') ? decodeURIComponent(folder.slice('file://'.length)) : folder;
})(import.meta.url);

/** The caller's stack, without the frames inside adjoint's engine. */
function creationSite(): string {
  const frames = (new Error().stack ?? '').split('\n').slice(1);
  const outside = frames.filter((f) => !f.includes(ENGINE));
  return (outside.length > 0 ? outside : frames).slice(0, 6).join('\n');
}
