// Training on a device (a GPU): where fit's loop meets values it must read, it yields the read as a
// promise, which fitAsync awaits and hands back (as it does an asynchronous Dataset's batches); `fit`,
// which cannot wait, refuses a model on a device up front.
import { type Storage, Tensor, type Value } from '@adjoint/autograd';
import type { TrainingYield } from './fit-options.js';
import type { Model } from './model.js';

/**
 * The device the model's parameters live on ('cpu' for a model of Values); an Error for `fit` there,
 * naming what to do instead.
 */
export function checkDevice(op: string, model: Model<never, never>): string {
  const first = model.parameters()[0];
  const device = first instanceof Tensor ? first.device : 'cpu';
  if (device === 'cpu') return device;
  if (op === 'fit')
    throw new Error(
      `fit: the model is on ${device}, whose values are read asynchronously; train it with await fitAsync(model, data, options)`,
    );
  return device;
}

/** A loss as a number: read at once on the CPU, awaited through fitAsync on a device. */
export function* read(value: Tensor | Value): Generator<TrainingYield, number, unknown> {
  if (value instanceof Tensor && value.device !== 'cpu') return ((yield value.dataAsync()) as Storage)[0]!;
  return value instanceof Tensor ? value.item() : value.data;
}

/** A prediction that metrics can read: itself on the CPU, brought over from a device. */
export function* readable<T>(prediction: T): Generator<TrainingYield, T, unknown> {
  if (prediction instanceof Tensor && prediction.device !== 'cpu') return (yield prediction.to('cpu')) as T;
  return prediction;
}
