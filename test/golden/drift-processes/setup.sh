$TOPO apply applied.yaml
# gone dies (drift: started again). The processes outlive the capture (capture.sh makes no PID namespace):
# sleeps of about 5 minutes, they end by themselves.
pid=$(cut -d' ' -f1 "$TOPO_STATE_DIR/logs/golden-procs/gone.pid")
kill -9 "$pid"
while [ -e "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; do sleep 0.05; done
