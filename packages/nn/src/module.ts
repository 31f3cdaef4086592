import { internal, type RngState, Tensor } from '@adjoint/autograd';
import type { ModelJSON } from './formats/json.js';
import { loadStateInto, type StateJSON, stateToJSON } from './formats/state.js';
import { countParameters, INSPECT, type Model } from './model.js';

const { describe } = internal;

/**
 * A model written in code, as in PyTorch: subclass it, give it parameters and submodules as properties
 * (`this.fc = new Linear(…)`, `this.blocks = new ModuleList([…])`, `this.scale = tensor(…)` with
 * `requiresGrad`), and write `forward`. Nothing is registered by hand: `namedParameters()` finds every
 * Tensor property that requires grad and every Module property, in the order they were assigned, and
 * names them by the path to them (`blocks.0.attn.qkv.weight`), as PyTorch's state_dict does. A Tensor
 * that does not require grad (a constant, a mask) is not a parameter. A parameter reached twice (a tied
 * weight) is listed once, under the first name that reaches it.
 *
 * @example
 * {@includeCode ../doc-examples/module.ts}
 */
export abstract class Module implements Model<Tensor, Tensor> {
  /** True in training mode (the default), false in evaluation mode, where dropout passes inputs through. */
  training = true;
  /** A module computes on Tensors. */
  readonly engine = 'tensor';

  /** The module applied to its inputs. */
  abstract forward(x: Tensor, ...rest: never[]): Tensor;

  /** `forward`, as `fit` and `predict` call it: a Tensor model takes the whole batch at once. */
  forwardBatch(x: Tensor): Tensor {
    return this.forward(x);
  }

  /** The targets as they are: the losses pair a Tensor prediction with a Tensor target. */
  targets(y: Tensor): Tensor {
    return y;
  }

  /** Every module under it (not itself) with its dotted path, in the order of `namedParameters`. */
  namedModules(): [string, Module][] {
    const found: [string, Module][] = [];
    // an explicit stack (children pushed in reverse), so the walk is in order at any depth
    const stack: [string, Module][] = this.namedChildren().reverse();
    while (stack.length > 0) {
      const [path, m] = stack.pop()!;
      found.push([path, m]);
      const children = m.namedChildren();
      for (let i = children.length - 1; i >= 0; i--)
        stack.push([`${path}.${children[i]![0]}`, children[i]![1]]);
    }
    return found;
  }

  /** @internal Its dropout modules' mask generators, by path (saved with it, so a resumed run drops alike). */
  generators(): [string, { getState(): RngState; setState(state: RngState): void }][] {
    return this.namedModules().filter(
      (entry): entry is [string, Module & { getState(): RngState; setState(state: RngState): void }] =>
        typeof (entry[1] as Partial<{ getState: unknown }>).getState === 'function',
    );
  }

  /**
   * The saved form: a model written in code saves its parameters by name, as a StateJSON (its code is
   * its architecture); a Sequential built from a spec saves its spec too (ModelJSON, which `loadModel`
   * reads).
   */
  toJSON(): StateJSON | ModelJSON {
    return stateToJSON(this);
  }

  /**
   * Loads saved parameters: a StateJSON (or its text) from `toJSON`, or safetensors bytes from
   * `toSafetensors` (or PyTorch's `save_file(model.state_dict())` of the same module tree). The whole
   * file is checked first (exactly these parameter names, each shape, every number), so a failed load
   * throws and changes nothing.
   */
  loadState(source: unknown): void {
    loadStateInto(this, source, 'loadState');
  }

  /**
   * @internal What it holds, by name, in order: its own enumerable properties (a container such as
   * ModuleList or Sequential lists its modules by index instead). Every walk below reads this one list.
   */
  members(): [string, unknown][] {
    return Object.entries(this);
  }

  /**
   * Its direct submodules with their names, in the order they were defined. A plain array or object of
   * modules is an Error naming the property: wrap it in a ModuleList or ModuleDict so that it is found.
   */
  namedChildren(): [string, Module][] {
    const children: [string, Module][] = [];
    for (const [key, value] of this.members()) {
      if (value instanceof Module) children.push([key, value]);
      else if (Array.isArray(value) && value.some((v) => v instanceof Module))
        throw new TypeError(
          `${this.constructor.name}.${key} is an array of modules, whose parameters would not be found: ` +
            `make it new ModuleList([...])`,
        );
      else if (isPlainObject(value) && Object.values(value).some((v) => v instanceof Module))
        throw new TypeError(
          `${this.constructor.name}.${key} is an object of modules, whose parameters would not be found: ` +
            `make it new ModuleDict({...})`,
        );
    }
    return children;
  }

  /** Its trainable tensors with their names, each once: in the order held, a submodule's under its name. */
  namedParameters(): [string, Tensor][] {
    this.namedChildren(); // a plain array of modules is refused, not skipped
    const named: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [key, value] of this.members()) {
      const found: [string, Tensor][] =
        value instanceof Tensor
          ? value.requiresGrad
            ? [[key, value]]
            : []
          : value instanceof Module
            ? value.namedParameters().map(([name, p]): [string, Tensor] => [`${key}.${name}`, p])
            : [];
      for (const [name, p] of found) {
        if (seen.has(p)) continue;
        seen.add(p);
        named.push([name, p]);
      }
    }
    return named;
  }

  /**
   * Its tensors that are not trained but are state (a running mean, a mask), with their names: every
   * Tensor property that does not require grad, its own and then each submodule's. They are saved and
   * loaded with the parameters, as PyTorch's buffers are.
   */
  namedBuffers(): [string, Tensor][] {
    const named: [string, Tensor][] = [];
    for (const [key, value] of this.members())
      if (value instanceof Tensor && !value.requiresGrad) named.push([key, value]);
    for (const [key, child] of this.namedChildren())
      for (const [name, b] of child.namedBuffers()) named.push([`${key}.${name}`, b]);
    return named;
  }

  /** Its trainable tensors, in the order of `namedParameters`. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Where its tensors live: its first parameter's device ('cpu' without parameters). */
  get device(): string {
    return this.parameters()[0]?.device ?? 'cpu';
  }

  /**
   * Moves every parameter and buffer to `device` in place, as PyTorch's `model.to(device)`: the same
   * tensors, so make the optimizer after (its state lives where the parameters were). A GPU holds
   * float32 (a float64 model is an Error naming it); moving back to the CPU reads the GPU, so
   * `to('cpu')` gives a promise.
   */
  to(device: 'cpu'): Promise<this>;
  to(device: string): this;
  to(device: string): this | Promise<this> {
    const tensors = [...this.namedParameters(), ...this.namedBuffers()];
    if (device === 'cpu')
      return Promise.all(tensors.map(async ([, t]) => internal.overwrite(t, await t.to('cpu'), true))).then(
        () => this,
      );
    const moved = tensors.map(([name, t]) => {
      if (t.dtype !== 'float32' && device !== 'cpu')
        throw new TypeError(
          `${this.constructor.name}.to: ${name} is float64, and a tensor on ${device} holds float32; make the ` +
            "model with { dtype: 'float32' }",
        );
      return t.to(device);
    });
    for (const [i, [, t]] of tensors.entries()) internal.overwrite(t, moved[i]!, true);
    return this;
  }

  /** Sets training mode (or evaluation mode, with false) here and in every submodule; returns it. */
  train(mode = true): this {
    if (typeof mode !== 'boolean')
      throw new TypeError(`${this.constructor.name}.train: expected a boolean mode, got ${describe(mode)}`);
    this.training = mode;
    for (const [, child] of this.namedChildren()) child.train(mode);
    return this;
  }

  /** Sets evaluation mode: `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** What it prints as, PyTorch's way: its class, and each submodule indented under its name. */
  toString(): string {
    const children = this.namedChildren();
    if (children.length === 0) return `${this.constructor.name}()`;
    const lines = children.map(([name, child]) => `  (${name}): ${String(child).replaceAll('\n', '\n  ')}`);
    const count = this.parameters().reduce((n, p) => n + p.size, 0);
    return `${this.constructor.name}(\n${lines.join('\n')}\n), ${countParameters(count)}`;
  }

  /** @internal How console.log prints it. */
  [INSPECT](): string {
    return this.toString();
  }
}

/**
 * A list of modules, found by a Module that holds it, each named by its index (`blocks.0.weight`), as
 * PyTorch's ModuleList. It is not called itself: a model's `forward` walks it.
 */
export class ModuleList<M extends Module = Module> extends Module {
  readonly #modules: M[];

  constructor(modules: Iterable<M> = []) {
    super();
    this.#modules = [];
    for (const m of modules) this.push(m);
  }

  /** Appends a module; returns the list. */
  push(module: M): this {
    if (!(module instanceof Module))
      throw new TypeError(
        `ModuleList: item ${this.#modules.length} is ${describe(module)}, not a Module (a layer or a class extending Module)`,
      );
    this.#modules.push(module);
    return this;
  }

  /** The module at `index` (negative counts from the end). */
  at(index: number): M {
    const m = this.#modules.at(index);
    if (m === undefined)
      throw new RangeError(
        `ModuleList: index ${index} is out of range for a list of ${this.#modules.length}`,
      );
    return m;
  }

  /** How many modules it holds. */
  get length(): number {
    return this.#modules.length;
  }

  /** Its modules, in order. */
  [Symbol.iterator](): Iterator<M> {
    return this.#modules[Symbol.iterator]();
  }

  /** @internal Its modules, named by their index. */
  override members(): [string, unknown][] {
    return this.#modules.map((m, i): [string, unknown] => [String(i), m]);
  }

  /** A list is not applied: its holder's forward walks it. */
  forward(): Tensor {
    throw new TypeError(
      'ModuleList.forward: a list of modules is not applied itself; iterate over it in forward',
    );
  }
}

/**
 * Modules by name (PyTorch's nn.ModuleDict): `new ModuleDict({ encoder, decoder })`, `.get(name)`,
 * `.set(name, module)`, iterated as [name, module] in insertion order; each is named by its key in the
 * dotted names of the parameters (`heads.sentiment.weight`). A name may not be empty or hold a '.',
 * which would make the dotted names ambiguous.
 */
export class ModuleDict<M extends Module = Module> extends Module {
  readonly #modules = new Map<string, M>();

  constructor(modules: Readonly<Record<string, M>> | Iterable<readonly [string, M]> = {}) {
    super();
    if (typeof modules !== 'object' || modules === null)
      throw new TypeError(`ModuleDict: expected an object or [name, module] pairs, got ${describe(modules)}`);
    const pairs = Symbol.iterator in modules ? modules : Object.entries(modules);
    for (const [name, m] of pairs as Iterable<readonly [string, M]>) this.set(name, m);
  }

  /** Adds (or replaces) the module called `name`; returns the dict. */
  set(name: string, module: M): this {
    if (typeof name !== 'string' || name === '' || name.includes('.'))
      throw new TypeError(`ModuleDict: a name must be a non-empty string without '.', got ${describe(name)}`);
    if (!(module instanceof Module))
      throw new TypeError(
        `ModuleDict: "${name}" is ${describe(module)}, not a Module (a layer or a class extending Module)`,
      );
    this.#modules.set(name, module);
    return this;
  }

  /** The module called `name`; an Error naming the names it has when there is none. */
  get(name: string): M {
    const m = this.#modules.get(name);
    if (m === undefined)
      throw new RangeError(
        `ModuleDict: no module "${name}" (it has ${[...this.#modules.keys()].map((k) => `"${k}"`).join(', ') || 'none'})`,
      );
    return m;
  }

  /** Whether a module is called `name`. */
  has(name: string): boolean {
    return this.#modules.has(name);
  }

  /** How many modules it holds. */
  get size(): number {
    return this.#modules.size;
  }

  /** Its names, in insertion order. */
  keys(): IterableIterator<string> {
    return this.#modules.keys();
  }

  /** Its [name, module] pairs, in insertion order. */
  [Symbol.iterator](): Iterator<[string, M]> {
    return this.#modules.entries();
  }

  /** @internal Its modules, named by their keys. */
  override members(): [string, unknown][] {
    return [...this.#modules];
  }

  /** A dict is not applied: its holder's forward picks from it. */
  forward(): Tensor {
    throw new TypeError(
      'ModuleDict.forward: a dict of modules is not applied itself; pick from it in forward',
    );
  }
}

/** An object literal (not a class instance, an array or a typed array). */
function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}
