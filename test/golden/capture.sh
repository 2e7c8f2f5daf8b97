#!/bin/sh
# Captures a golden case: builds its kernel state, then plans it through src/ops as topo does, recording every read.
# A case folder holds:
#   case.json       {"description": ..., "destroy": true when the case is destroy's plan}
#   topology.yaml   the lab's file (planned as `topo plan`/apply plan it, or destroy with it)
#   setup.sh        (optional) builds the kernel state: run with `sh -eu` in the case folder, $TOPO = the topo CLI;
#                   typically `$TOPO apply some.yaml` followed by hand edits with `ip`, `nft`, `sysctl`
# and capture writes into it (test/golden/record.ts):
#   reads.json      every read the planning made: each command (argv, stdin) with its output and exit code, the
#                   host's /proc/sys files and the namespaces' identities; the replay answers exactly these
#   state.json      the lab's state record, when the setup left one
#   plan.txt        the plan, when the case has none yet (else compared: exit 3 when it differs)
#
# It ALWAYS runs in a private sandbox: it re-executes itself under `unshare --net --mount` with a tmpfs on /run,
# and refuses to do anything if the network namespace it finds itself in is not brand new.
#
# usage (as root, from anywhere):  test/golden/capture.sh test/golden/<case> [...]
#   then: npx vitest run test/golden   (UPDATE_GOLDEN=1 to rewrite plan.txt files, and review the diff)
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

rm -rf live netns.json
TOPO_GOLDEN_INSIDE=1 "$ROOT/node_modules/.bin/vite-node" --root "$ROOT" "$ROOT/test/golden/record.ts" "$dir"
