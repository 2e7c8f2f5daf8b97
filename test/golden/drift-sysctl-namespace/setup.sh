$TOPO apply topology.yaml
ip netns exec node1 sysctl -q -w net.ipv4.ip_forward=0
