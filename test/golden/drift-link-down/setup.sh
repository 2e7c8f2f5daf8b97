$TOPO apply topology.yaml
ip -n NS1 link set veth11 down
