/** Thrown when shapes do not fit together; the message names both shapes. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

/** `[2, 3]`, the way every error message prints a shape. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Whether two shapes are equal, axis for axis. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A short description of a bad argument for an error message, as adjoint's errors print it: its type, and its value when that helps. */
export function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return typeof value === 'object' ? (value.constructor?.name ?? 'an object') : typeof value;
}
