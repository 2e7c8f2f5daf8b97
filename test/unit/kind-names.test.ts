// "A kind is one file": nothing outside src/kinds/ names a kind. Every string literal of every source file outside
// src/kinds/ (found by TypeScript's own scanner, so comments and identifiers don't count) is compared with the
// names of the registered kinds. The few places allowed below use the same word for something else, each with why.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { KINDS } from '../../src/kinds/index.js';
import { ROOT } from '../helpers/sandbox.js';

const SRC = join(ROOT, 'src');

/** "file: literal" → why it is not the kind. */
const ALLOWED: Record<string, string> = {
  'model.ts: sysctl': 'a command\'s tool (Cmd.tool: written to /proc/sys), not the sysctl kind',
  'core/commands.ts: sysctl': 'renders a command whose tool is sysctl',
  'model.ts: bridge': 'iproute2\'s `bridge` command as a command\'s tool (Cmd.tool), not the bridge kind',
  'core/live.ts: bridge': 'iproute2\'s `bridge` command as a read\'s tool (ToolRead.tool)',
  'core/commands.ts: bridge': 'renders a command whose tool is iproute2\'s `bridge`',
  'validate/schema.ts: route': 'the wording of schema errors by the file\'s paths ("route #2 needs a gateway")',
  'validate/schema.ts: veth': 'the wording of schema errors by the file\'s paths ("veth #1")',
  'validate/schema.ts: address': 'the wording of schema errors by the file\'s paths ("address #3")',
  'io/live-shape.ts: address': 'the MAC address field of `ip -json` output',
  'io/netlink/links.ts: bridge': 'the macvlan mode named bridge, as `ip -json` prints it (the netlink reader prints it so too)',
  'ops/import-topology.ts: veth': 'the kernel\'s link kind (`linkinfo.info_kind`) that import writes as a veth pair',
  'ops/import-topology.ts: bridge': 'the kernel\'s link kind (`linkinfo.info_kind`) that import writes as a bridge',
  'ops/import-topology.ts: macvlan': 'the kernel\'s link kind (`linkinfo.info_kind`) that import writes as a macvlan',
  'ops/import.ts: nftables': 'the Debian package that provides nft, named when it is missing',
  'cli/completion.ts: namespace': 'the name of a command\'s argument (program.ts: <namespace>), whose values are completed',
  'model.ts: vxlan': 'a link\'s mode (LinkSpec.mode: a VXLAN pair between hosts, core/links.ts), not the vxlan kind it is made with',
  // The netlink engine reads and builds iproute2's commands: these are ip's words (objects, link kinds, keywords).
  'io/netlink/ip-argv.ts: veth': 'the kernel\'s link kind in `ip link add ... type veth`',
  'io/netlink/ip-argv.ts: bridge': 'the kernel\'s link kind in `ip link ... type bridge`',
  'io/netlink/ip-argv.ts: macvlan': 'the kernel\'s link kind in `ip link add ... type macvlan` (and its mode bridge)',
  'io/netlink/ip-argv.ts: vxlan': 'the kernel\'s link kind in `ip link ... type vxlan`',
  'io/netlink/ip-argv.ts: route': 'the object of `ip route`',
  'io/netlink/ip-argv.ts: rule': 'the object of `ip rule`',
  'io/netlink/ip-argv.ts: address': 'the keyword of `ip link ... address MAC`, and the object `ip address`',
  'io/netlink/requests.ts: route': 'a request of `ip route` (IpOp.op)',
  'io/netlink/requests.ts: rule': 'a request of `ip rule` (IpOp.op)',
  'io/netlink/requests.ts: veth': 'the kernel\'s link kind (IFLA_INFO_KIND)',
  'io/netlink/requests.ts: bridge': 'the kernel\'s link kind (IFLA_INFO_KIND)',
  'io/netlink/requests.ts: macvlan': 'the kernel\'s link kind (IFLA_INFO_KIND)',
  'io/netlink/requests.ts: vxlan': 'the kernel\'s link kind (IFLA_INFO_KIND)',
  'io/run-step-cmds.ts: sysctl': 'a command\'s tool (Cmd.tool), written in-process by the netlink engine',
  'io/netlink/writer.ts: sysctl': 'a command\'s tool (Cmd.tool), which the netlink writer carries out in-process',
  'ops/host-firewall.ts: bridge': 'the nftables family `bridge` of a chain in `nft -j list chains` (the host firewall\'s), not the bridge kind',
};

function* sources(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) { if (!['kinds', 'generated'].includes(e.name)) yield* sources(p); } else if (p.endsWith('.ts')) yield p;
  }
}

function literals(text: string): string[] {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, text);
  const out: string[] = [];
  const open: ('{' | '${')[] = []; // braces and template substitutions not closed yet
  for (let t = scanner.scan(); t !== ts.SyntaxKind.EndOfFileToken; t = scanner.scan()) {
    if (t === ts.SyntaxKind.CloseBraceToken && open.at(-1) === '${') t = scanner.reScanTemplateToken(false); // the template goes on
    if (t === ts.SyntaxKind.StringLiteral || t === ts.SyntaxKind.NoSubstitutionTemplateLiteral) out.push(scanner.getTokenValue());
    else if (t === ts.SyntaxKind.TemplateHead) open.push('${');
    else if (t === ts.SyntaxKind.TemplateTail || t === ts.SyntaxKind.CloseBraceToken) open.pop();
    else if (t === ts.SyntaxKind.OpenBraceToken) open.push('{');
  }
  return out;
}

describe('kind names', () => {
  it('no kind is named outside src/kinds/ (besides the listed other meanings of the same words)', () => {
    const names = new Set(KINDS.map((k) => k.name));
    const found = [...sources(SRC)].flatMap((f) => literals(readFileSync(f, 'utf8')).filter((l) => names.has(l))
      .map((l) => `${relative(SRC, f)}: ${l}`));
    expect([...new Set(found)].filter((x) => !(x in ALLOWED))).toEqual([]);
    expect(Object.keys(ALLOWED).filter((x) => !found.includes(x))).toEqual([]); // an entry no longer needed goes
  });

  it('the scanner finds a kind name where it is written (the check above can fail)', () => {
    expect(literals("if (s.kind === 'veth') { x = `a${b ? 'bridge' : `${c}`}d`; } const y = \"route\"; // 'nat'")).toEqual(['veth', 'bridge', 'route']);
  });
});
