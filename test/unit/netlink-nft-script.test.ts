// Which `nft` command lines the netlink engine runs through libnftables in-process (src/io/netlink/nft.ts nftScript),
// and the script each one is: the ones topo's kinds make (`-f -` with the table's script on stdin, `-j list table`,
// `delete table`), and nothing with another option or a file, which go on running as the command. That libnftables
// then does what the command does is proven on a real kernel (test/integration/netlink-nft.test.ts).
import { describe, expect, it } from 'vitest';
import { nftScript } from '../../src/io/netlink/nft.js';

describe('nft command lines run in-process', () => {
  it('the script on stdin, a JSON read, a command of words', () => {
    expect(nftScript(['-f', '-'], 'add table inet t\n')).toEqual({ text: 'add table inet t\n', json: false, file: true });
    expect(nftScript(['-j', 'list', 'table', 'inet', 'topo-lab'])).toEqual({ text: 'list table inet topo-lab', json: true });
    expect(nftScript(['delete', 'table', 'inet', 'topo-lab'])).toEqual({ text: 'delete table inet topo-lab', json: false });
  });
  it('anything else is the command\'s: other options, a file, no stdin, nothing to run', () => {
    expect(nftScript(['-f', '-'])).toBeUndefined();
    expect(nftScript(['-f', '/etc/nftables.conf'])).toBeUndefined();
    expect(nftScript(['-c', '-f', '-'], 'add table inet t\n')).toBeUndefined();
    expect(nftScript(['-j', '-a', 'list', 'ruleset'])).toBeUndefined();
    expect(nftScript(['list', 'ruleset', '-a'])).toBeUndefined();
    expect(nftScript(['-j'])).toBeUndefined();
    expect(nftScript([])).toBeUndefined();
  });
});
