// The benchmark (npm run bench) run once at N=10, so it can't rot: every way of building the star lab still
// builds a lab that works (the benchmark pings across each one and checks topo's no-op, plan and destroy itself,
// throwing when anything is off), and the report still renders. Not a timed test: nothing here asserts on speed.
import { describe, expect, it } from 'vitest';
import { runBench } from '../../bench/bench.js';
import { renderTable } from '../../bench/table.js';

describe('benchmark (smoke, N=10)', () => {
  it('builds the star lab three ways, checks each works, and prints the table with the goals', async () => {
    const lines: string[] = [];
    const res = await runBench({ sizes: [10], runs: 1, coreN: 200, log: (l) => lines.push(l) });
    const [size] = res.sizes;
    expect(size.n).toBe(10);
    expect(size.topo).toHaveLength(1);
    expect(size.hand).toHaveLength(1);
    expect(size.tutorial).toHaveLength(1);
    const t = size.topo[0];
    const h = size.hand[0];
    for (const ms of [t.apply, t.noop, t.plan, t.planHot, t.destroy, h.build, h.teardown, h.teardownFreed, size.tutorial[0].build, ...res.smallPlan]) {
      expect(ms).toBeGreaterThan(0);
    }
    for (const rss of Object.values(t.rss)) expect(rss).toBeGreaterThan(10 * 2 ** 20); // reported by bench/rss-hook.mjs
    expect(res.core[0].steps).toBe(200 * 7 + 2); // per unit: namespace, lo, veth, 2 ends, address, route; bridge + its address
    expect(res.validate.length).toBeGreaterThanOrEqual(3);
    expect(res.smallPlan.length).toBeGreaterThanOrEqual(3);
    expect(t.flood).toBeGreaterThanOrEqual(0); // frames the bridge's ports sent in the 10 s after apply
    expect(size.topoAgm).toEqual([]); // the flood option's run only with floodOption

    const table = renderTable(res);
    expect(table).toMatch(/^\| 10 \| [\d.]+ \| [\d.]+ \| [\d.]+ \|/m);
    expect(table).toContain('cold apply / hand-optimised build, N=10');
    // The engine column: TOPO_ENGINE as this suite runs (npm run test:ip-engine sets it), else topo's own choice.
    expect(table).toMatch(new RegExp(`^\\| 10 \\| ${process.env.TOPO_ENGINE || 'default'} \\| no \\| [\\d.]+ \\| [\\d.]+ \\| \\d+ \\|`, 'm'));
    expect(table).toContain('Machine: ');
    expect(lines.some((l) => l.startsWith('N=10 topo: apply'))).toBe(true);
  });
});
