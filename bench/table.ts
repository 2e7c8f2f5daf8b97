// The benchmark's report: a table of medians per N, the ratios the performance issue sets as goals, the machine.
import type { BenchResult, SizeResult } from './bench.js';
import { FLOOD_WINDOW_MS, type TopoSample } from './ways.js';
import { max, median } from './stats.js';

const s = (ms: number) => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : '–');
const r2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const msu = (ms: number, n: number) => (ms / n).toFixed(1);
const FLOOD_S = FLOOD_WINDOW_MS / 1000;
const mib = (b: number) => (Number.isFinite(b) && b > 0 ? (b / 2 ** 20).toFixed(0) : '–');

interface TopoMedians { apply: number; noop: number; plan: number; destroy: number; planHot: number; flood: number; rss: number }
interface Medians extends TopoMedians { n: number; hand: number; teardown: number; freed: number; tutorial: number; agm: TopoMedians }

function topoMedians(ts: TopoSample[]): TopoMedians {
  const m = (f: (t: TopoSample) => number) => median(ts.map(f));
  return {
    apply: m((t) => t.apply), noop: m((t) => t.noop), plan: m((t) => t.plan), destroy: m((t) => t.destroy),
    planHot: m((t) => t.planHot), flood: m((t) => t.flood), rss: max(ts.flatMap((t) => [t.rss.apply, t.rss.noop, t.rss.plan, t.rss.destroy])),
  };
}

function medians(x: SizeResult): Medians {
  const m = (xs: number[]) => median(xs);
  return {
    n: x.n, ...topoMedians(x.topo), agm: topoMedians(x.topoAgm ?? []),
    hand: m(x.hand.map((h) => h.build)), teardown: m(x.hand.map((h) => h.teardown)), freed: m(x.hand.map((h) => h.teardownFreed)),
    tutorial: m(x.tutorial.map((t) => t.build)),
  };
}

interface Goal { what: string; measured: string; target: string; met: boolean | undefined }

/**
 * The goals of issue 17 (at N = 300 and N = 1000, those of them measured; else at the largest N), each as a ratio
 * next to its target; then the earlier issue's checks that still hold (validate, the pure core).
 */
function goals(res: BenchResult, ms: Medians[]): Goal[] {
  const at = (n: number) => ms.find((m) => m.n === n);
  const largest = ms[ms.length - 1];
  const bigs = [at(300), at(1000)].filter((m): m is Medians => m !== undefined);
  if (!bigs.length && largest) bigs.push(largest);
  const fifty = at(50) ?? ms[0];
  const large = at(1000) ?? largest;
  const out: Goal[] = [];
  const add = (what: string, value: number | undefined, target: string, ok: (v: number) => boolean, show = r2) =>
    out.push({ what, measured: value === undefined || !Number.isFinite(value) ? 'not measured' : show(value), target,
      met: value === undefined || !Number.isFinite(value) ? undefined : ok(value) });
  for (const big of bigs) {
    add(`cold apply / hand-optimised build, N=${big.n}`, big.apply / big.hand, '≤ 0.5', (v) => v <= 0.5);
    add(`no-op re-apply / hand-optimised build, N=${big.n}`, big.noop / big.hand, '≤ 0.25', (v) => v <= 0.25);
    add(`tutorial build / cold apply, N=${big.n}`, big.tutorial / big.apply, '≥ 15', (v) => v >= 15);
    add(`destroy / one-batch teardown until freed, N=${big.n}`, big.destroy / big.freed, '≤ 1.5', (v) => v <= 1.5);
  }
  if (large && fifty && large.n > fifty.n) {
    add(`apply ms/unit at N=${large.n} / at N=${fifty.n}`, (large.apply / large.n) / (fifty.apply / fifty.n), '≤ 1.2', (v) => v <= 1.2);
  }
  add('peak RSS of topo, N=1000 (MB)', at(1000) ? at(1000)!.rss / 2 ** 20 : undefined, '< 200', (v) => v < 200, (v) => v.toFixed(0));
  add('`topo plan` of a small applied lab (s)', median(res.smallPlan ?? []) / 1000, '< 0.2', (v) => v < 0.2);
  add('`topo validate` of a small file (s)', median(res.validate) / 1000, '< 0.3', (v) => v < 0.3);
  add(`pure core (validate + plan), ${res.opts.coreN} namespaces, slowest run (s)`, max(res.core.map((c) => c.totalMs)) / 1000, '< 2', (v) => v < 2);
  return out;
}

export function renderTable(res: BenchResult): string {
  const ms = res.sizes.map(medians);
  const runs = res.opts.runs;
  const lines: string[] = [];
  lines.push(`Star lab of N units (namespace + veth to a host bridge + address + default route + lo up); seconds, median of ${runs}.`,
    `topo's engine: ${res.engine ? `TOPO_ENGINE=${res.engine}` : 'TOPO_ENGINE unset (topo chose)'}; \`topo --version\`: ${res.topoVersion ?? '?'}.`, '');
  lines.push('| N | topo apply | hand-optimised | tutorial | topo no-op re-apply | topo plan | topo destroy | one-batch teardown | teardown until freed | topo peak RSS (MB) |');
  lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const m of ms) {
    lines.push(`| ${m.n} | ${s(m.apply)} | ${s(m.hand)} | ${s(m.tutorial)} | ${s(m.noop)} | ${s(m.plan)} | ${s(m.destroy)} | ${s(m.teardown)} | ${s(m.freed)} | ${mib(m.rss)} |`);
  }
  lines.push('', 'No-op re-apply, plan and the teardown are timed once the lab is quiet (the kernel\'s IPv6 start-up traffic, which ' +
    'the bridge floods to every port, has died down). "until freed": the teardown\'s `ip -batch` exits before the kernel has ' +
    'freed the namespaces\' interfaces; topo destroy waits for that, since it verifies nothing is left.');
  lines.push('', 'Per unit (ms/unit) and ratios at each N:', '');
  lines.push('| N | topo apply ms/unit | hand ms/unit | tutorial ms/unit | apply / hand | tutorial / apply | no-op / hand | destroy / teardown | destroy / until freed |');
  lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const m of ms) {
    lines.push(`| ${m.n} | ${msu(m.apply, m.n)} | ${msu(m.hand, m.n)} | ${msu(m.tutorial, m.n)} | ${r2(m.apply / m.hand)} | ${r2(m.tutorial / m.apply)} | ${r2(m.noop / m.hand)} | ${r2(m.destroy / m.teardown)} | ${r2(m.destroy / m.freed)} |`);
  }
  lines.push('', `Right after apply: \`topo plan\` started as apply returned, and the frames the bridge's ports sent ` +
    `in the ${FLOOD_S} s after it (tx packets summed over the ports: mostly the kernel's IPv6 start-up frames, flooded to every port)` +
    (ms.some((m) => Number.isFinite(m.agm.apply)) ? '; with the flood option, every interface of the star lab declares `addrgenmode: none` (no IPv6 link-local address).' : '.'), '');
  lines.push('| N | engine | flood option | topo apply | plan right after apply | frames in 10 s | no-op re-apply | plan (quiet) | destroy |');
  lines.push('|---:|---|---|---:|---:|---:|---:|---:|---:|');
  const eng = res.engine || 'default';
  for (const m of ms) {
    for (const [label, t] of [['no', m], ['addrgenmode none', m.agm]] as const) {
      if (!Number.isFinite(t.apply)) continue;
      lines.push(`| ${m.n} | ${eng} | ${label} | ${s(t.apply)} | ${s(t.planHot)} | ${Number.isFinite(t.flood) ? t.flood.toFixed(0) : '–'} | ${s(t.noop)} | ${s(t.plan)} | ${s(t.destroy)} |`);
    }
  }
  lines.push('', 'Goals (issue 17; the ratios are of the star lab without the flood option):', '');
  lines.push('| goal | measured | target | met |', '|---|---:|---:|:---:|');
  for (const g of goals(res, ms)) lines.push(`| ${g.what} | ${g.measured} | ${g.target} | ${g.met === undefined ? '–' : g.met ? 'yes' : '**no**'} |`);
  const c = res.core;
  lines.push('', `Pure core, ${res.opts.coreN} namespaces (ms, runs in order, the first with a cold JIT): validate ${c.map((x) => x.validateMs.toFixed(0)).join(' / ')}; ` +
    `plan against an empty snapshot ${c.map((x) => x.planMs.toFixed(0)).join(' / ')}; no-op plan against the built lab's snapshot ${c.map((x) => x.noopPlanMs.toFixed(0)).join(' / ')}.`);
  lines.push(`\`topo validate\` of examples/bridge-node.yaml (whole process): ${res.validate.map((v) => v.toFixed(0)).join(' / ')} ms.`);
  lines.push(res.machine.mininet
    ? `Mininet: ${res.machine.mininet} is installed but not benchmarked here.`
    : 'Mininet: not installed on this machine, so not measured (the issue quotes ~15 ms/unit to build, ~27 ms/unit to stop, with Linux bridges).');
  const mc = res.machine;
  lines.push('', `Machine: ${mc.nproc} CPUs (${mc.cpu}), ${mc.memGiB} GiB, kernel ${mc.kernel}, ${mc.iproute2}, node ${mc.node}.`);
  return `${lines.join('\n')}\n`;
}
