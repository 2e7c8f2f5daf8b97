// Every spelling of a lab is the same lab: validation's resolve step rewrites each address-valued field the way
// the kernel prints it (src/validate/canonical.ts), so what comes after compares like with like.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import type { Topology } from '../../src/model.js';
import { canon, canonicalAddr, ipv6Words, parseAddr } from '../../src/core/ip.js';
import { validateText } from '../../src/validate/index.js';
import { goldenPlan } from '../helpers/golden.js';
import { respellAddr, respellTopology } from '../helpers/respell.js';

const ROOT = join(import.meta.dirname, '../..');
const LAB = readFileSync(join(ROOT, 'test/fixtures/spelling/lab.yaml'), 'utf8');

function valid(text: string): Topology {
  const r = validateText(text, 'lab.yaml');
  expect(r.problems).toEqual([]);
  return r.topo!;
}

// glibc's inet_ntop (what `ip` and `nft` print), captured with Python's socket.inet_ntop: input → kernel text.
const GLIBC: [string, string][] = [
  ['::', '::'], ['::1', '::1'], ['::1:2', '::0.1.0.2'], ['::ffff:0:0', '::ffff:0.0.0.0'], ['::ffff:1.2.3.4', '::ffff:1.2.3.4'],
  ['::1.2.3.4', '::1.2.3.4'], ['fd00::a00:1', 'fd00::a00:1'], ['FD80:100:0:0:0:0:0:1', 'fd80:100::1'],
  ['1:0:0:1:0:0:0:1', '1:0:0:1::1'], ['1:0:0:1:0:0:1:1', '1::1:0:0:1:1'], ['0:0:1::', '0:0:1::'], ['1::', '1::'],
  ['1:2:3:4:5:6:7:0', '1:2:3:4:5:6:7:0'], ['0:1:2:3:4:5:6:7', '0:1:2:3:4:5:6:7'], ['::ffff:1:2', '::ffff:0.1.0.2'],
  ['0:0:0:0:0:1:0:0', '::1:0:0'], ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], ['0:0:0:0:1:ffff:a:b', '::1:ffff:a:b'],
  ['0:ca26:0:0:ffff:0:1:0', '0:ca26::ffff:0:1:0'], ['0:0:0:ffff:0:0:0:0', '0:0:0:ffff::'], ['1:0:1:0:ffff:8e8d:0:0', '1:0:1:0:ffff:8e8d::'],
  ['ffff:0:0:0:ffff:0:0:0', 'ffff::ffff:0:0:0'], ['0:0:0:ffff:0:ffff:0:0', '::ffff:0:ffff:0:0'], ['fd00:0:0:0:0:0:10.0.0.1', 'fd00::a00:1'],
];

describe('addresses as the kernel reads and prints them', () => {
  it.each(GLIBC)('%s is printed %s', (written, kernel) => expect(canonicalAddr(written)).toBe(kernel));

  // inet_pton refuses these; ipaddr.js alone took the first two (and read "::1.2.3.4" as ::ffff:1.2.3.4).
  it.each(['0fd80::1', '::00001', '1::2::3', '1:2:3:4:5:6:7:8::', ':1::', '1::1.02.3.4', '1.2.3.4::', '::1.2.3.4:1', '1:2:3:4:5:6:7', 'fd00::%eth0'])(
    '%s is refused, as inet_pton refuses it', (s) => expect(parseAddr(s)).toBeUndefined());

  it('"::" stands for one zero word or more, and a dotted tail for two words', () => {
    expect(ipv6Words('1:2:3:4:5:6:7::')).toEqual([1, 2, 3, 4, 5, 6, 7, 0]);
    expect(ipv6Words('::1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0, 0x102, 0x304]);
  });

  it('any spelling of an IPv6 address reads back as the same words and the same kernel text', () => {
    const words = fc.array(fc.oneof(fc.constant(0), fc.constant(0xffff), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 });
    fc.assert(fc.property(words, fc.gen(), (w, g) => {
      const kernel = canon(parseAddr(w.map((x) => x.toString(16)).join(':'))!);
      const spelled = respellAddr(kernel, (n) => g(fc.nat, { max: n - 1 }));
      expect(ipv6Words(spelled), spelled).toEqual(w);
      expect(canonicalAddr(spelled), spelled).toBe(kernel);
    }), { numRuns: 2000 });
  });
});

describe('resolve: a lab in any spelling is the same lab', () => {
  const kernelSpelled = valid(LAB);

  it('the fixture is written as the kernel prints it (the resolve step leaves it as it is)', () => {
    expect(kernelSpelled).toEqual(yaml.load(LAB));
  });

  it('every address-valued field and MAC is respelled by the generator (the property below tests something)', () => {
    const t = respellTopology(kernelSpelled, (n) => n - 1); // every group written out in full, upper case
    expect(t.namespaces!.a!.routes![0].via).toBe('FD80:0100:0000:0000:0000:0000:0000:0001');
    expect(t.namespaces!.b!.routes![1].via).toBe('FE80:0000:0000:0000:0000:0000:0000:0001');
    expect(t.namespaces!.a!.routes![1].to).toBe('FD00:0099:0000:0000:0000:0000:0000:0000/64');
    expect(t.namespaces!.r!.nat!.masquerade![0].from).toBe('FD80:0100:0000:0000:0000:0000:0000:0000/64');
    expect(t.namespaces!.r!.nat!.forward!.map((f) => f.to)).toEqual(['[FD80:0100:0000:0000:0000:0000:0000:0002]:80', 'FD80:0100:0000:0000:0000:0000:0000:0002']);
    expect(t.bridges!.br0!.mac).toBe('02:00:00:00:0A:BC');
    expect(t.veths![0].ends[0].addresses).toEqual(['FD80:0100:0000:0000:0000:0000:0000:0002/64', '10.1.0.2/24']);
    expect(t.tests!.map((x) => x.ping)).toEqual(['FD00:000B:0000:0000:0000:0000:0000:0002', 'FD00:000B:0000:0000:0000:0000:0000:0001', 'FD80:0100:0000:0000:0000:0000:0000:0001', 'b']);
  });

  it('any respelling validates to exactly the kernel-spelled topology (so plans, keys and commands are the same)', () => {
    fc.assert(fc.property(fc.gen(), (g) => {
      const spelled = respellTopology(kernelSpelled, (n) => g(fc.nat, { max: n - 1 }));
      expect(valid(yaml.dump(spelled))).toEqual(kernelSpelled);
    }), { numRuns: 200 });
  });

  it('converged-ipv6 (captured from the kernel) respelled: still nothing to do', async () => {
    const dir = join(ROOT, 'test/golden/converged-ipv6');
    const file = yaml.load(readFileSync(join(dir, 'topology.yaml'), 'utf8')) as Topology;
    await fc.assert(fc.asyncProperty(fc.gen(), async (g) => {
      const spelled = yaml.dump(respellTopology(file, (n) => g(fc.nat, { max: n - 1 })));
      expect(await goldenPlan(dir, spelled), spelled).toBe('No changes. Lab "v6" matches the file.\n');
    }), { numRuns: 50 });
  });
});
