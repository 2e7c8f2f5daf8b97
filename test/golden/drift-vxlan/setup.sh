$TOPO apply topology.yaml
ip -n hv1 link set dev vx0 type vxlan remote 192.168.0.9 learning
ip -n hv1 link set dev vx0 nomaster
ip -n hv2 link set dev vx0 down
bridge -n hv2 fdb append 00:00:00:00:00:00 dev vx0 dst 192.168.0.77
