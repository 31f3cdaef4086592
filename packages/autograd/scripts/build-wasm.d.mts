/** The module of the .wat at `watPath`, with its own memory or (`shared`) importing a shared one. */
export function assemble(watPath: string, shared?: boolean, fused?: boolean): Promise<Buffer>;
