// The three ways of building the star lab, each in a fresh sandbox, each checked to work (ping between the first
// and the last namespace) before its time counts: topo (apply, plan right after it, no-op re-apply, plan, destroy;
// also on the lab with the flood option, `addrgenmode: none`), the hand-optimised script (build, one-batch
// teardown) and the tutorial script (build).
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BenchSandbox, type Run } from './sandbox.js';
import { RSS_HOOK, TOPO } from './paths.js';
import { addrOf, BRIDGE, BRIDGE_ADDR, handScript, nsOf, starYaml, teardownScript, tutorialScript, type Script } from './star.js';

export interface TopoSample {
  apply: number; noop: number; plan: number; destroy: number;
  /** `topo plan` started right after apply returned, while the bridge may still flood IPv6 start-up frames. */
  planHot: number;
  /** Frames the bridge's ports sent (tx packets summed over its ports) in the FLOOD_WINDOW_MS after apply returned. */
  flood: number;
  /** TOPO_ENGINE as the topo runs got it ('' when not set: topo chose). */
  engine: string;
  /** Peak RSS (bytes) of the topo process of each command. */
  rss: { apply: number; noop: number; plan: number; destroy: number };
}
/** teardown: until its `ip -batch` exits; teardownFreed: until the kernel has also freed the interfaces (async). */
export interface HandSample { build: number; teardown: number; teardownFreed: number }
export interface TutorialSample { build: number }

/** Write the lab file and scripts for N units into dir (outside the sandbox; the sandbox sees the same files). */
export async function prepare(dir: string, n: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'star.yaml'), starYaml(n));
  await writeFile(join(dir, STAR_AGM), starYaml(n, { addrgenmode: true }));
  for (const [name, s] of Object.entries({ hand: handScript(n), tutorial: tutorialScript(n), teardown: teardownScript(n) })) {
    await writeScript(join(dir, name), s);
  }
}

async function writeScript(dir: string, s: Script): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'run.sh'), s.sh);
  for (const [f, text] of Object.entries(s.files)) await writeFile(join(dir, f), text);
}

const script = (sb: BenchSandbox, dir: string, name: string) => sb.must(['sh', 'run.sh'], { cwd: join(dir, name) });

async function checkWorks(sb: BenchSandbox, n: number, who: string): Promise<void> {
  const last = n > 1 ? addrOf(n) : BRIDGE_ADDR;
  if (!(await sb.ping(nsOf(1), last))) throw new Error(`${who}: the built lab does not work: ${nsOf(1)} cannot ping ${last}`);
  if (n > 1 && !(await sb.ping(nsOf(n), addrOf(1)))) throw new Error(`${who}: the built lab does not work: ${nsOf(n)} cannot ping ${addrOf(1)}`);
}

/** The star lab's file with the flood option (every interface `addrgenmode: none`), beside star.yaml. */
export const STAR_AGM = 'star-addrgenmode.yaml';
/** How long after apply the flooded frames are counted. */
export const FLOOD_WINDOW_MS = 10_000;

/** How topo is run: its file (star.yaml or STAR_AGM) and TOPO_ENGINE ('' leaves it unset: topo chooses). */
export interface TopoRun { file: string; engine: string }

async function topo(sb: BenchSandbox, dir: string, args: string[], engine: string): Promise<{ run: Run; rss: number }> {
  const rssFile = join(dir, `rss-${sb.pid}`);
  const env: Record<string, string> = { TOPO_REPORT_RSS: rssFile, ...(engine ? { TOPO_ENGINE: engine } : {}) };
  const run = await sb.run([process.execPath, '--import', RSS_HOOK, TOPO, ...args], { cwd: dir, env });
  const rss = Number(await readFile(rssFile, 'utf8').catch(() => '0'));
  await rm(rssFile, { force: true });
  return { run, rss };
}

function mustTopo(r: { run: Run }, what: string, expectExit = 0): void {
  if (r.run.exitCode !== expectExit) {
    throw new Error(`topo ${what}: exit ${r.run.exitCode} (expected ${expectExit}): ${(r.run.stderr || r.run.stdout).trim().slice(0, 2000)}`);
  }
}

export async function topoWay(dir: string, n: number, how: TopoRun = { file: 'star.yaml', engine: '' }): Promise<TopoSample> {
  const sb = await BenchSandbox.create();
  const { file, engine } = how;
  try {
    const apply = await topo(sb, dir, ['apply', file], engine);
    mustTopo(apply, 'apply');
    // Right after apply: the frames the bridge floods start counting, and a plan runs while they are sent.
    const t0 = performance.now();
    const before = await sb.portTxPackets(BRIDGE);
    const planHot = await topo(sb, dir, ['plan', file, '--detailed-exitcode'], engine);
    mustTopo(planHot, 'plan right after apply (expected nothing to do)');
    await new Promise((r) => setTimeout(r, Math.max(0, FLOOD_WINDOW_MS - (performance.now() - t0))));
    const flood = (await sb.portTxPackets(BRIDGE)) - before;
    await checkWorks(sb, n, 'topo apply');
    await sb.quiet(BRIDGE, n);
    const noop = await topo(sb, dir, ['apply', file], engine);
    mustTopo(noop, 're-apply');
    if (!noop.run.stdout.includes('No changes')) throw new Error(`topo re-apply changed something: ${noop.run.stdout.slice(0, 2000)}`);
    const plan = await topo(sb, dir, ['plan', file, '--detailed-exitcode'], engine);
    mustTopo(plan, 'plan (expected nothing to do)');
    const destroy = await topo(sb, dir, ['destroy', file], engine);
    mustTopo(destroy, 'destroy');
    const left = [...(await sb.netns()), ...(await sb.hostLinks()).filter((l) => l !== 'lo')];
    if (left.length) throw new Error(`topo destroy left ${left.length} object(s): ${left.slice(0, 5).join(', ')}`);
    return {
      apply: apply.run.ms, noop: noop.run.ms, plan: plan.run.ms, destroy: destroy.run.ms, planHot: planHot.run.ms, flood, engine,
      rss: { apply: apply.rss, noop: noop.rss, plan: plan.rss, destroy: destroy.rss },
    };
  } finally {
    await sb.close();
  }
}

export async function handWay(dir: string, n: number): Promise<HandSample> {
  const sb = await BenchSandbox.create();
  try {
    const build = await script(sb, dir, 'hand');
    await checkWorks(sb, n, 'hand-optimised script');
    await sb.quiet(BRIDGE, n);
    const t0 = performance.now();
    const teardown = await script(sb, dir, 'teardown');
    await sb.settle(30_000, 10);
    const teardownFreed = performance.now() - t0;
    if ((await sb.netns()).length) throw new Error('one-batch teardown left namespaces');
    return { build: build.ms, teardown: teardown.ms, teardownFreed };
  } finally {
    await sb.close();
  }
}

export async function tutorialWay(dir: string, n: number): Promise<TutorialSample> {
  const sb = await BenchSandbox.create();
  try {
    const build = await script(sb, dir, 'tutorial');
    await checkWorks(sb, n, 'tutorial script');
    await script(sb, dir, 'teardown');
    await sb.settle();
    return { build: build.ms };
  } finally {
    await sb.close();
  }
}
