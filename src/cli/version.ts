// topo's version, as package.json says (test/unit/bin-unbuilt.test.ts checks they agree).
export const VERSION = '0.1.0';
