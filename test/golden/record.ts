// The recording step of test/golden/capture.sh, run by it (with vite-node) inside its sandbox after the case's setup:
// plans the case against the real kernel through planCase (test/helpers/golden.ts: src/ops' planning, as the replay
// does) and writes what it read into the case: reads.json (every command with its stdin and answer, the host's
// /proc/sys files, the namespaces' identities, what topo read itself: /proc's processes, files) and state.json (the lab's record, when it has one). plan.txt is
// written when the case has none yet; an existing one is compared and left as it is (the replay test then says it
// differs: review, then UPDATE_GOLDEN=1).
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { hashGroup } from '../../src/core/lab.js';
import { isEmptyState } from '../../src/core/state.js';
import { netnsIdentity } from '../../src/io/netns-identity.js';
import { readInProcess } from '../../src/io/read-live.js';
import { runProcess } from '../../src/io/runner.js';
import { loadContext } from '../../src/ops/observe.js';
import { caseTopology, planCase, recorder, recordingJson } from '../helpers/golden.js';

if (process.env.TOPO_GOLDEN_INSIDE !== '1') throw new Error('record.ts runs inside capture.sh\'s sandbox only: run test/golden/capture.sh CASE_DIR');
const dir = resolve(process.argv[2]);
const topo = caseTopology(dir);
const ctx = await loadContext(topo.name);
// The replay plans with the group of the lab's name (core/lab.ts): a capture that claimed another can't be replayed.
if (ctx.lab.group !== hashGroup(topo.name)) throw new Error(`lab ${topo.name} has link group ${ctx.lab.group}, not its name's: capture it alone`);
const { reads, recording } = recorder({ run: runProcess, procSys: (path) => readFileSync(path, 'utf8'), identity: netnsIdentity, inProcess: readInProcess });
const plan = await planCase(dir, reads, ctx, topo);

writeFileSync(join(dir, 'reads.json'), recordingJson(recording));
if (isEmptyState(ctx.state)) rmSync(join(dir, 'state.json'), { force: true });
else writeFileSync(join(dir, 'state.json'), `${JSON.stringify(ctx.state, null, 1)}\n`);
const planFile = join(dir, 'plan.txt');
if (!existsSync(planFile)) writeFileSync(planFile, plan);
const same = readFileSync(planFile, 'utf8') === plan;
process.stderr.write(`recorded ${recording.commands.length} command(s); the plan ${same ? 'is plan.txt' : 'DIFFERS from plan.txt:'}\n${same ? '' : plan}`);
process.exitCode = same ? 0 : 3;
