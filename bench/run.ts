// `npm run bench`: node dist/bench/run.js [--sizes 10,50,100,500] [--large] [--runs 3] [--core-n 5000]
//   [--engine ip|netlink] [--flood-option] [--out FILE] [--json]
// Builds the star lab inside private sandboxes (needs root), prints the table; --out also writes it to a file.
// --engine: TOPO_ENGINE for every topo run (default: as in the environment, else topo chooses); --flood-option: also
// build the star lab with topo with `addrgenmode: none` on every interface, side by side.
import { accessSync, constants } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { runBench } from './bench.js';
import { renderTable } from './table.js';

const USAGE = 'usage: node dist/bench/run.js [--sizes 10,50,100,500] [--large] [--runs 3] [--core-n 5000] [--engine ip|netlink] [--flood-option] [--out FILE] [--json]\n';
const usage = (why = ''): never => { process.stderr.write(`${why}${USAGE}`); process.exit(64); };
const OPTIONS = {
  sizes: { type: 'string' }, large: { type: 'boolean', default: false }, runs: { type: 'string', default: '3' },
  'core-n': { type: 'string', default: '5000' }, out: { type: 'string' }, json: { type: 'boolean', default: false },
  engine: { type: 'string' }, 'flood-option': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' },
} as const;
const parse = () => { try { return parseArgs({ options: OPTIONS }); } catch (e) { return usage(`${(e as Error).message}\n`); } };
const { values } = parse();
if (values.help) { process.stdout.write(USAGE); process.exit(0); }
const list = (x: string) => x.split(',').map((v) => Number(v.trim())).filter((v) => Number.isInteger(v) && v > 0);
// 50: the near-linear goal compares ms/unit at the largest N (1000 with --large) with N = 50.
const sizes = values.sizes ? list(values.sizes) : [10, 50, 100, 500, ...(values.large ? [1000] : [])];
const runs = Number(values.runs);
const coreN = Number(values['core-n']);
const engine = values.engine ?? '';
if (!sizes.length || !(runs >= 1) || !(coreN >= 1) || !['', 'ip', 'netlink'].includes(engine)) usage();
if (process.getuid?.() !== 0) {
  process.stderr.write('the benchmark builds labs inside private network sandboxes (unshare --net --mount): run it as root\n');
  process.exit(77);
}

// The tools the three ways and their checks run (the lab is checked to work with ping before its time counts).
const TOOLS = { ip: 'iproute2', unshare: 'util-linux', nsenter: 'util-linux', mount: 'mount', ping: 'iputils-ping', sh: 'dash' };
const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin', '/usr/bin', '/bin']);
const has = (cmd: string) => dirs.some((d) => { try { accessSync(`${d}/${cmd}`, constants.X_OK); return true; } catch { return false; } });
const missing = Object.entries(TOOLS).filter(([c]) => !has(c));
if (missing.length) {
  process.stderr.write(`the benchmark needs ${missing.map(([c, p]) => `${c} (Debian package ${p})`).join(', ')}: not found in PATH\n`);
  process.exit(69);
}

const res = await runBench({ sizes, runs, coreN, engine, floodOption: values['flood-option'] });
const table = renderTable(res);
process.stdout.write(values.json ? `${JSON.stringify(res, null, 2)}\n` : `\n${table}`);
if (values.out) await writeFile(values.out, table);
