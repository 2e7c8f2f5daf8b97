// The benchmark's lab: a star of N units around a host bridge. A unit is a namespace with one veth to the bridge,
// an address, a default route via the bridge and lo up. Written three ways: a topo file, the hand-optimised
// iproute2 script and the tutorial script (one `ip` process per command, as in the seed tutorials).

export const BRIDGE = 'br0';
export const BRIDGE_ADDR = '10.0.0.1';
export const PREFIX = 16;
/** The lab's name in topo; its namespaces are u1..uN. */
export const LAB = 'star';

export const nsOf = (i: number) => `u${i}`;
export const nsEnd = (i: number) => `e${i}`;
export const hostEnd = (i: number) => `h${i}`;

/** Address of unit i (1-based) in 10.0.0.0/16, after the bridge's 10.0.0.1. Enough for 65,000 units. */
export function addrOf(i: number): string {
  const j = i + 1;
  if (j > 0xfffe) throw new Error(`star lab: unit ${i} does not fit in a /16`);
  return `10.0.${j >> 8}.${j & 0xff}`;
}

const units = (n: number) => Array.from({ length: n }, (_, k) => k + 1);

/**
 * The star lab's variants. `addrgenmode`: every interface of the lab (bridge, both ends of each veth) declares
 * `addrgenmode: none`, so none has an IPv6 link-local address and none sends IPv6 start-up frames for the bridge to
 * flood (the flood option, README "addrgenmode").
 */
export interface StarOptions { addrgenmode?: boolean }

/** The topo file of the star lab. */
export function starYaml(n: number, o: StarOptions = {}): string {
  const agm = o.addrgenmode ? ', addrgenmode: none' : '';
  const out = [`name: ${LAB}`, 'namespaces:'];
  for (const i of units(n)) out.push(`  ${nsOf(i)}: { routes: [{ to: default, via: ${BRIDGE_ADDR} }] }`);
  out.push('bridges:', `  ${BRIDGE}: { addresses: [${BRIDGE_ADDR}/${PREFIX}]${agm} }`, 'veths:');
  for (const i of units(n)) {
    out.push(`  - ends: [{ name: ${nsEnd(i)}, namespace: ${nsOf(i)}, addresses: [${addrOf(i)}/${PREFIX}]${agm} }, { name: ${hostEnd(i)}, bridge: ${BRIDGE}${agm} }]`);
  }
  return `${out.join('\n')}\n`;
}

/** A script: files to write next to it and the shell script that runs them (paths relative to its directory). */
export interface Script { files: Record<string, string>; sh: string }

/**
 * The hand-optimised script: every veth created with its peer already in the namespace and the host end up and
 * enslaved in the same message, all host lines in one `ip -batch`, then one `ip -n NS -batch` per namespace.
 */
export function handScript(n: number): Script {
  const host = [
    `link add name ${BRIDGE} up type bridge`,
    `addr add ${BRIDGE_ADDR}/${PREFIX} dev ${BRIDGE}`,
    ...units(n).map((i) => `netns add ${nsOf(i)}`),
    ...units(n).map((i) => `link add name ${hostEnd(i)} up master ${BRIDGE} type veth peer name ${nsEnd(i)} netns ${nsOf(i)}`),
  ];
  const files: Record<string, string> = { 'host.batch': `${host.join('\n')}\n` };
  const sh = ['set -e', 'ip -batch host.batch'];
  for (const i of units(n)) {
    files[`${nsOf(i)}.batch`] = [
      'link set dev lo up',
      `addr add ${addrOf(i)}/${PREFIX} dev ${nsEnd(i)}`,
      `link set dev ${nsEnd(i)} up`,
      `route add default via ${BRIDGE_ADDR}`,
    ].join('\n') + '\n';
    sh.push(`ip -n ${nsOf(i)} -batch ${nsOf(i)}.batch`);
  }
  return { files, sh: `${sh.join('\n')}\n` };
}

/** The tutorial way (shared/seeds 002): one `ip` process per command, step by step, `ip netns exec` inside. */
export function tutorialScript(n: number): Script {
  const u = units(n);
  const sh = [
    'set -e',
    ...u.map((i) => `ip netns add ${nsOf(i)}`),
    ...u.map((i) => `ip link add ${hostEnd(i)} type veth peer name ${nsEnd(i)}`),
    ...u.map((i) => `ip link set ${nsEnd(i)} netns ${nsOf(i)}`),
    ...u.map((i) => `ip netns exec ${nsOf(i)} ip addr add ${addrOf(i)}/${PREFIX} dev ${nsEnd(i)}`),
    ...u.map((i) => `ip netns exec ${nsOf(i)} ip link set dev ${nsEnd(i)} up`),
    `ip link add ${BRIDGE} type bridge`,
    ...u.map((i) => `ip link set ${hostEnd(i)} master ${BRIDGE}`),
    `ip addr add ${BRIDGE_ADDR}/${PREFIX} dev ${BRIDGE}`,
    `ip link set dev ${BRIDGE} up`,
    ...u.map((i) => `ip link set dev ${hostEnd(i)} up`),
    ...u.map((i) => `ip netns exec ${nsOf(i)} ip link set lo up`),
    ...u.map((i) => `ip netns exec ${nsOf(i)} ip route add default via ${BRIDGE_ADDR} dev ${nsEnd(i)}`),
  ];
  return { files: {}, sh: `${sh.join('\n')}\n` };
}

/** The one-batch teardown: `netns del` of every namespace (their veths go with them) and the bridge. */
export function teardownScript(n: number): Script {
  const lines = [...units(n).map((i) => `netns del ${nsOf(i)}`), `link del dev ${BRIDGE}`];
  return { files: { 'teardown.batch': `${lines.join('\n')}\n` }, sh: 'ip -batch teardown.batch\n' };
}
