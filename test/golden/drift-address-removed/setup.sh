$TOPO apply topology.yaml
ip -n ns1 addr del 192.168.1.1/24 dev veth1
