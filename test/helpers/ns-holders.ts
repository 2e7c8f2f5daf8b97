// Processes anywhere on the machine that are in given namespaces (by their inodes), for the tests that kill a
// sandbox's holder with SIGKILL and check that the kernel ended everything inside it.
import { readdirSync, statSync } from 'node:fs';

/** "PID net" / "PID mnt" for every process in a network or mount namespace of these inodes. */
export function holders(inodes: number[]): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    for (const kind of ['net', 'mnt']) {
      try { if (inodes.includes(statSync(`/proc/${pid}/ns/${kind}`).ino)) out.push(`${pid} ${kind}`); } catch { /* gone */ }
    }
  }
  return out;
}

/**
 * Once the holder is killed: what is still in those namespaces after the kernel had up to 10 s to end and reap it
 * (it ends them at once, the reaping is asynchronous). Whatever is left is the test's own sandbox's: it is ended
 * here by its pid, and returned for the test to report.
 */
export async function leftAfterKill(inodes: number[]): Promise<string[]> {
  let left = holders(inodes);
  for (let i = 0; i < 200 && left.length; i++) {
    await new Promise((r) => setTimeout(r, 50));
    left = holders(inodes);
  }
  for (const h of left) try { process.kill(Number(h.split(' ')[0]), 'SIGKILL'); } catch { /* gone */ }
  return left;
}
