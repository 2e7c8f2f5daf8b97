// Commands beyond the core (test, exec, graph) register here.
import type { Command } from 'commander';

export type Wrap = <A extends unknown[]>(fn: (...a: A) => Promise<number>) => (...a: A) => Promise<void>;

export function registerExtraCommands(_program: Command, _wrap: Wrap): void {}
