#!/bin/sh
# Captures the kernel state a golden case plans against, exactly as src/io/read-live.ts reads it:
#   netns.json           `ip -json netns list`
#   live/<ns>.json       `ip [-n NS] -json -d -batch -` fed "addr show\nroute show table all\nnetns list-id\n"
#   live/<ns>.sysctl     `sysctl -e KEYS` in that namespace (every net.* key any yaml/state file of the case names)
#   state.json           the lab's state record (/run/topo/<lab>.json), when the setup left one
# The case's setup.sh (optional; run with `sh -eu` in the case folder, $TOPO = the topo CLI) builds that state:
# typically `$TOPO apply some.yaml` followed by hand edits with `ip`.
#
# It ALWAYS runs in a private sandbox: it re-executes itself under `unshare --net --mount` with a tmpfs on /run,
# and refuses to do anything if the network namespace it finds itself in is not brand new.
#
# usage (as root, from anywhere):  test/golden/capture.sh test/golden/<case> [...]
#   then: UPDATE_GOLDEN=1 npx vitest run test/golden   to (re)write each plan.txt, and review the diff.
set -eu
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

if [ "${TOPO_GOLDEN_INSIDE:-}" != 1 ]; then
  [ $# -gt 0 ] || { echo "usage: $0 CASE_DIR..." >&2; exit 64; }
  rc=0
  for c in "$@"; do
    dir=$(cd "$c" && pwd)
    echo "capturing $dir" >&2
    TOPO_GOLDEN_INSIDE=1 unshare --net --mount --propagation private -- sh "$SELF" "$dir" || { echo "FAILED: $dir" >&2; rc=1; }
  done
  exit $rc
fi

# ---- inside the sandbox ----
# A brand-new network namespace holds nothing but a down `lo`; anything else means we are not in one.
if [ "$(ip -o link show | wc -l)" != 1 ] || [ -n "$(ip -o addr show)" ]; then
  echo "capture.sh: refusing to run outside a fresh network namespace" >&2
  exit 1
fi
mount -t tmpfs tmpfs /run
mkdir -p /run/netns /run/topo
ip link set lo up
export TOPO_STATE_DIR=/run/topo

dir=$1
cd "$dir"
TOPO="node $ROOT/bin/topo.js"
export TOPO
$TOPO validate topology.yaml >/dev/null
if [ -f setup.sh ]; then sh -eu setup.sh >/dev/null; fi

rm -rf live state.json netns.json
mkdir live
ip -json netns list > netns.json
keys=$(cat ./*.yaml 2>/dev/null | grep -o 'net\.[A-Za-z0-9_.-]*' | sort -u | tr '\n' ' ')
batch='addr show
route show table all
netns list-id
'
for ns in host $(ip netns list | awk '{print $1}'); do
  if [ "$ns" = host ]; then
    printf '%s' "$batch" | ip -json -d -batch - > live/host.json
    if [ -n "$keys" ]; then sysctl -e $keys > live/host.sysctl; fi
  else
    printf '%s' "$batch" | ip -n "$ns" -json -d -batch - > "live/$ns.json"
    if [ -n "$keys" ]; then ip netns exec "$ns" sysctl -e $keys > "live/$ns.sysctl"; fi
  fi
done
lab=$(sed -n 's/^name: *\([a-z0-9-]*\).*/\1/p' topology.yaml)
if [ -f "/run/topo/$lab.json" ]; then cp "/run/topo/$lab.json" state.json; fi
