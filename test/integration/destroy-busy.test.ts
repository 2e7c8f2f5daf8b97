// Destroy while a process still runs in one of the lab's namespaces. `ip netns del` only drops the name: the
// namespace lives on as long as the process does, and so would the host ends of its veths. topo deletes the lab's
// host interfaces itself (one `link del group`), so nothing of the lab is left in the host and destroy verifies
// at once instead of waiting for a cleanup that never comes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { example, Sandbox } from '../helpers/sandbox.js';
import { withoutProgress } from '../helpers/progress.js';

describe('destroy with a process still running in a lab namespace', () => {
  let sb: Sandbox;
  let sleeper = 0;
  beforeAll(async () => { sb = await Sandbox.create(); });
  afterAll(async () => {
    if (sleeper) await sb.run(['kill', String(sleeper)]);
    await sb.close();
  });

  it('removes the host bridge and the veths, and verifies', async () => {
    const f = example('bridge-node.yaml');
    expect((await sb.topo(['apply', f])).exitCode).toBe(0);
    const bg = await sb.sh('ip netns exec NS1 sleep 120 >/dev/null 2>&1 </dev/null & echo $!');
    sleeper = Number(bg.stdout.trim());
    expect(sleeper).toBeGreaterThan(0);

    const d = await sb.topo(['destroy', f]);
    // Reported, left running (topo never signals a process it did not start).
    expect(withoutProgress(d.stderr)).toBe(`warning: process ${sleeper} (sleep 120) in NS1 is not lab "bridge-node"'s: left running, never signalled`
      + ' (the namespace\'s name is deleted; its network lives on as long as the process does)');
    expect(d.exitCode).toBe(0);
    expect(d.stdout).toMatch(/verified nothing is left/);
    expect(await sb.netns()).toEqual([]);
    const links = (await sb.ipJson<{ ifname: string }[]>('host', 'link', 'show')).map((l) => l.ifname);
    expect(links).toEqual(['lo']);
  });
});
