$TOPO apply applied.yaml
ip route add 10.99.0.0/24 dev veth-host
