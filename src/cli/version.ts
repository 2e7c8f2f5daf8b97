// topo's version, as package.json says (test/unit/bin-unbuilt.test.ts checks they agree), and what `topo --version`
// prints: the version, then the engine that reads the kernel (netlink or ip) and why.
import { engineLine } from '../io/netlink/engine.js';

export const VERSION = '0.1.0';

/**
 * `topo --version`'s text, made when it is printed (commander prints its version string with a template): only
 * --version loads the FFI library to say which engine is in use.
 */
export const VERSION_TEXT = { toString: () => `${VERSION}\n${engineLine()}` } as unknown as string;
