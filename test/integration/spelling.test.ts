// Any spelling of a lab converges: test/fixtures/spelling/lab.yaml (an address in every address-valued field,
// MACs, IPv6 gateways, NAT, pings) respelled at random — zeros written out, upper case, another run of zeros as
// "::", dotted IPv4 tails — applies, verifies, and then plans empty; the kernel holds the kernel's spelling.
// A handful of spellings per run against the kernel; test/validate/canonical.test.ts checks many without one.
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Topology } from '../../src/model.js';
import { respellTopology } from '../helpers/respell.js';
import { ROOT, Sandbox } from '../helpers/sandbox.js';

const LAB = yaml.load(readFileSync(join(ROOT, 'test/fixtures/spelling/lab.yaml'), 'utf8')) as Topology;

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'topo-spelling-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Routes of a namespace as "dst via gateway", the way the kernel prints them. */
async function gateways(sb: Sandbox, ns: string): Promise<string[]> {
  const all = [...await sb.ipJson<any[]>(ns, 'route', 'show'), ...await sb.ipJson<any[]>(ns, '-6', 'route', 'show')];
  return all.filter((r) => r.gateway).map((r) => `${r.dst} via ${r.gateway}`).sort();
}

describe('any spelling of a lab', () => {
  it('applies, verifies, then plans empty; the kernel holds the kernel\'s spelling (a few random spellings)', async () => {
    let run = 0;
    await fc.assert(fc.asyncProperty(fc.gen(), async (g) => {
      const spelled = respellTopology(LAB, (n) => g(fc.nat, { max: n - 1 }));
      const file = join(dir, `spell-${run++}.yaml`);
      writeFileSync(file, yaml.dump(spelled));
      const sb = await Sandbox.create();
      try {
        const apply = await sb.topo(['apply', file]);
        expect(apply.exitCode, `${apply.stdout}${apply.stderr}\n${yaml.dump(spelled)}`).toBe(0);
        const plan = await sb.topo(['plan', file, '--detailed-exitcode']);
        expect(plan.stdout.trim(), yaml.dump(spelled)).toBe('No changes. Lab "spell" matches the file.');
        expect(plan.exitCode).toBe(0);
        expect(await gateways(sb, 'a')).toEqual(['10.9.0.0/16 via 10.1.0.1', 'default via fd80:100::1', 'fd00:99::/64 via fd80:100::1']);
        expect(await gateways(sb, 'b')).toEqual(['default via fd00:b::1', 'fd00:88::/64 via fe80::1']);
        expect((await sb.ipJson<any[]>('r', 'link', 'show', 'dev', 'br0'))[0].address).toBe('02:00:00:00:0a:bc');
        const test = await sb.topo(['test', file]);
        expect(test.exitCode, test.stdout).toBe(0);
      } finally {
        await sb.close();
      }
    }), { numRuns: 3, endOnFailure: true }); // no shrinking: each run is a kernel build
  });
});
