$TOPO apply topology.yaml
ip -n node1 route del 172.16.1.0/24
