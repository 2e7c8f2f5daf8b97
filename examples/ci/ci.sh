#!/bin/sh
# A shell CI step, run inside the lab's sandbox: `sudo topo sandbox lab.yaml -- ./ci.sh` applies lab.yaml in a
# throwaway sandbox, runs its tests (a failing one stops before this script), runs this script, and throws
# everything away when it exits; this script's exit status is topo's. `topo` is on the PATH in there.
# REPORT_DIR (default: the current directory) receives the tests' JSON report, for the CI's artifacts.
set -eu
here=$(dirname "$0")
lab="$here/lab.yaml"

# The lab's declared tests as JSON; exit 1 when one fails (set -e stops here then).
topo test "$lab" --json > "${REPORT_DIR:-.}/topo-test.json"

# No drift: the kernel is what the file says (the document's "drift" is empty).
topo show "$lab" --json | node -e '
  let s = ""; process.stdin.on("data", (d) => s += d).on("end", () => {
    const drift = JSON.parse(s).drift;
    if (drift.length) { console.error("drift:", JSON.stringify(drift)); process.exit(1); }
  });'

# The real thing: the client in one namespace talks to the echo server in the other.
reply=$(topo exec "$lab" client -- node "$here/echo-client.mjs" 10.77.0.1 7000 "hello from ci.sh")
if [ "$reply" != "hello from ci.sh" ]; then
  echo "ci.sh: the echo server answered \"$reply\"" >&2
  exit 1
fi
echo "ci.sh: echo through the lab works"
