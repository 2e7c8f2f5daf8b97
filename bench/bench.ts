// The benchmark: the pure core, `topo validate`, `topo plan` of a small applied lab, then for each N the star lab
// built three ways (and, with floodOption, by topo a fourth time with `addrgenmode: none` everywhere), `runs` times
// each (the order of the ways rotates from run to run so none always goes first).
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coreOnce, type CoreSample } from './core.js';
import { machine, type Machine } from './machine.js';
import { EXAMPLE, TOPO } from './paths.js';
import { BenchSandbox } from './sandbox.js';
import { handWay, prepare, STAR_AGM, topoWay, tutorialWay, type HandSample, type TopoSample, type TutorialSample } from './ways.js';

export interface BenchOptions {
  sizes: number[];
  runs: number;
  /** Namespaces in the pure-core file. */
  coreN: number;
  /** TOPO_ENGINE for every topo run ('ip' or 'netlink'); '' or undefined leaves it as the environment has it. */
  engine?: string;
  /** Also build the star lab with topo with the flood option (every interface `addrgenmode: none`). */
  floodOption?: boolean;
  /** Progress lines (to stderr by default). */
  log?: (line: string) => void;
}

/** topoAgm: topo on the star lab with the flood option (empty without BenchOptions.floodOption). */
export interface SizeResult { n: number; topo: TopoSample[]; topoAgm: TopoSample[]; hand: HandSample[]; tutorial: TutorialSample[] }
export interface BenchResult {
  machine: Machine; opts: BenchOptions; core: CoreSample[]; validate: number[];
  /** `topo plan` of a small applied lab (examples/bridge-node.yaml), whole process, ms. */
  smallPlan: number[];
  /** TOPO_ENGINE the topo runs got ('' when unset) and what `topo --version` printed under it. */
  engine: string; topoVersion: string;
  sizes: SizeResult[];
}

export async function runBench(opts: BenchOptions): Promise<BenchResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const engine = opts.engine || process.env.TOPO_ENGINE || '';
  const result: BenchResult = { machine: machine(), opts: { ...opts, log: undefined }, core: [], validate: [], smallPlan: [],
    engine, topoVersion: topoVersion(engine), sizes: [] };
  log(`topo engine: ${engine ? `TOPO_ENGINE=${engine}` : 'TOPO_ENGINE unset'}; topo --version: ${result.topoVersion}`);

  for (let r = 0; r < opts.runs; r++) {
    result.core.push(coreOnce(opts.coreN));
    log(`core ${opts.coreN} namespaces: ${fmt(result.core[r].totalMs)} validate+plan, ${fmt(result.core[r].noopPlanMs)} no-op plan`);
  }
  for (let r = 0; r < Math.max(3, opts.runs); r++) result.validate.push(timeValidate());
  log(`topo validate (small file): ${result.validate.map(fmt).join(', ')}`);
  result.smallPlan = await timeSmallPlan(Math.max(3, opts.runs), engine);
  log(`topo plan (small applied lab): ${result.smallPlan.map(fmt).join(', ')}`);

  const dir = await mkdtemp(join(tmpdir(), 'topo-bench-'));
  try {
    for (const n of opts.sizes) {
      const size: SizeResult = { n, topo: [], topoAgm: [], hand: [], tutorial: [] };
      await prepare(join(dir, `n${n}`), n);
      const topoLine = (t: TopoSample) => `apply ${fmt(t.apply)}, plan right after ${fmt(t.planHot)} (${t.flood} frames flooded in 10 s), no-op ${fmt(t.noop)}, plan ${fmt(t.plan)}, destroy ${fmt(t.destroy)}, peak RSS ${mb(t.rss.apply)}`;
      const ways = [
        async () => { size.topo.push(await topoWay(join(dir, `n${n}`), n, { file: 'star.yaml', engine })); log(`N=${n} topo: ${topoLine(size.topo.at(-1)!)}`); },
        ...(opts.floodOption ? [async () => {
          size.topoAgm.push(await topoWay(join(dir, `n${n}`), n, { file: STAR_AGM, engine }));
          log(`N=${n} topo, addrgenmode none: ${topoLine(size.topoAgm.at(-1)!)}`);
        }] : []),
        async () => { size.hand.push(await handWay(join(dir, `n${n}`), n)); const h = size.hand.at(-1)!; log(`N=${n} hand-optimised: build ${fmt(h.build)}, one-batch teardown ${fmt(h.teardown)}`); },
        async () => { size.tutorial.push(await tutorialWay(join(dir, `n${n}`), n)); log(`N=${n} tutorial: build ${fmt(size.tutorial.at(-1)!.build)}`); },
      ];
      for (let r = 0; r < opts.runs; r++) {
        for (let w = 0; w < ways.length; w++) await ways[(w + r) % ways.length]();
      }
      result.sizes.push(size);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return result;
}

/** `topo validate` of a small file, wall clock of the whole process (no kernel access, so no sandbox needed). */
function timeValidate(): number {
  const t0 = performance.now();
  execFileSync(process.execPath, [TOPO, 'validate', EXAMPLE], { stdio: 'ignore' });
  return performance.now() - t0;
}

/** `topo plan` of examples/bridge-node.yaml, applied in a sandbox of its own: wall clock of the whole process, `times` times. */
async function timeSmallPlan(times: number, engine: string): Promise<number[]> {
  const sb = await BenchSandbox.create();
  const env = engine ? { TOPO_ENGINE: engine } : undefined;
  try {
    await sb.must([process.execPath, TOPO, 'apply', '-q', EXAMPLE], { env });
    const out: number[] = [];
    for (let i = 0; i < times; i++) out.push((await sb.must([process.execPath, TOPO, 'plan', '--detailed-exitcode', EXAMPLE], { env })).ms);
    return out;
  } finally {
    await sb.close();
  }
}

function topoVersion(engine: string): string {
  try {
    return execFileSync(process.execPath, [TOPO, '--version'], { encoding: 'utf8', env: { ...process.env, ...(engine ? { TOPO_ENGINE: engine } : {}) } }).trim().replace(/\n/g, '; ');
  } catch (e) {
    return `(failed: ${(e as Error).message.split('\n')[0]})`;
  }
}

export const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
export const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
