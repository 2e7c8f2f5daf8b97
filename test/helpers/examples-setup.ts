// Setup of the vitest project "examples" (examples/ci): its tests may bring labs up only in sandboxes. topo's state
// directory here is a path that can't be created, so an apply or destroy run in the test process itself (not in a
// sandbox) fails at its lock, before it changes anything. Sandbox mode is unaffected: the topo inside the sandbox,
// and every call the library runs in there, use the sandbox's own /run/topo.
process.env.TOPO_STATE_DIR = '/proc/topo-examples-apply-only-in-a-sandbox';
