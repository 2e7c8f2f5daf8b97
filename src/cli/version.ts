// topo's version, as package.json says (test/unit/bin-unbuilt.test.ts checks they agree), and what `topo --version`
// prints: the version, the engine that reads the kernel (netlink or ip) and why, and whether the bundle was
// compiled from V8's code cache (bin/load-bundle.js).
import { engineLine } from '../io/netlink/engine.js';

export const VERSION = '0.1.0';

/**
 * `topo --version`'s text, made when it is printed (commander prints its version string with a template): only
 * --version loads the FFI library to say which engine is in use.
 */
export const VERSION_TEXT = { toString: () => `${VERSION}\n${engineLine()}\ncode cache: ${codeCache}` } as unknown as string;

const CACHE_STATES: Record<string, string> = {
  used: 'used',
  rejected: 'rejected (made by another Node or for another build: the bundle was compiled instead)',
  none: 'none (dist/topo.cache is missing: `npm run build` makes it)',
};
/** How bin/topo.js loaded the bundle: set by main(). */
let codeCache = 'not loaded by bin/topo.js';
export const setCodeCache = (state: string): void => { codeCache = CACHE_STATES[state] ?? state; };
