$TOPO apply topology.yaml
sysctl -q -w net.ipv4.ip_forward=0
