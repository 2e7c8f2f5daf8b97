import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure core, validation, goldens, the lock's clock, the suite's own guards) runs without root
// and without a build: `npm run test:unit`. `kernel` runs the built CLI (bin/topo.js -> dist/topo.cjs) as root
// against the real kernel, each test inside its own private network sandbox; `examples` runs examples/ci against
// the built library (dist/api.mjs), imported by the package's name. `npm test` runs all three.
export default defineConfig({
  test: {
    // Generous: on a loaded 2-core machine anything can take many times its usual time. Tests assert no durations.
    // On a machine where a process costs ~15 ms, with three files at a time, a test took 117 s (hosts-fanout's kill -9
    // of the controller) under a limit of 120 s, and a set-up hook more than 60 s — while untouched.test.ts read its
    // sandbox in a loop for 30 s at every step (kernel-state.ts took a bridge without ports for one still settling).
    testTimeout: 300_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Three files at a time on a 2-core machine: the kernel tests spend much of their time waiting (for pings, a
    // held lock, the processes they start). Six integration files, measured back to back on this 2-core machine:
    // 96 s with 2 workers, 61 s with 3, 65 s with 4.
    maxWorkers: 3,
    minWorkers: 1,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/{unit,validate,golden}/**/*.test.ts'] } },
      { extends: true, test: { name: 'kernel', include: ['test/integration/**/*.test.ts'] } },
      // The library's CI example (root, the build): its labs only in sandboxes (see the setup file).
      { extends: true, test: { name: 'examples', include: ['examples/ci/**/*.test.ts'], setupFiles: ['test/helpers/examples-setup.ts'] } },
    ],
  },
});
