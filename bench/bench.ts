// The benchmark: the pure core, `topo validate`, then for each N the star lab built three ways, `runs` times
// each (the order of the ways rotates from run to run so none always goes first).
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coreOnce, type CoreSample } from './core.js';
import { machine, type Machine } from './machine.js';
import { EXAMPLE, TOPO } from './paths.js';
import { handWay, prepare, topoWay, tutorialWay, type HandSample, type TopoSample, type TutorialSample } from './ways.js';

export interface BenchOptions {
  sizes: number[];
  runs: number;
  /** Namespaces in the pure-core file. */
  coreN: number;
  /** Progress lines (to stderr by default). */
  log?: (line: string) => void;
}

export interface SizeResult { n: number; topo: TopoSample[]; hand: HandSample[]; tutorial: TutorialSample[] }
export interface BenchResult { machine: Machine; opts: BenchOptions; core: CoreSample[]; validate: number[]; sizes: SizeResult[] }

export async function runBench(opts: BenchOptions): Promise<BenchResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const result: BenchResult = { machine: machine(), opts: { ...opts, log: undefined }, core: [], validate: [], sizes: [] };

  for (let r = 0; r < opts.runs; r++) {
    result.core.push(coreOnce(opts.coreN));
    log(`core ${opts.coreN} namespaces: ${fmt(result.core[r].totalMs)} validate+plan, ${fmt(result.core[r].noopPlanMs)} no-op plan`);
  }
  for (let r = 0; r < Math.max(3, opts.runs); r++) result.validate.push(timeValidate());
  log(`topo validate (small file): ${result.validate.map(fmt).join(', ')}`);

  const dir = await mkdtemp(join(tmpdir(), 'topo-bench-'));
  try {
    for (const n of opts.sizes) {
      const size: SizeResult = { n, topo: [], hand: [], tutorial: [] };
      await prepare(join(dir, `n${n}`), n);
      const ways = [
        async () => { size.topo.push(await topoWay(join(dir, `n${n}`), n)); const t = size.topo.at(-1)!; log(`N=${n} topo: apply ${fmt(t.apply)}, no-op ${fmt(t.noop)}, plan ${fmt(t.plan)}, destroy ${fmt(t.destroy)}, peak RSS ${mb(t.rss.apply)}`); },
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

export const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
export const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
