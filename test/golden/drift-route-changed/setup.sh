$TOPO apply topology.yaml
ip -n n1-ns1 route replace default via 172.16.0.3
