// Preloaded into topo by the benchmark (`node --import`): at exit, writes the process's peak resident set size
// in bytes to the file named by $TOPO_REPORT_RSS. Plain JS so the benchmark can load it from source or dist.
import { writeFileSync } from 'node:fs';

const file = process.env.TOPO_REPORT_RSS;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS * 1024)));
