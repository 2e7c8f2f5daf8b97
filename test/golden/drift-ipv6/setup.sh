$TOPO apply topology.yaml
ip -n a -6 route del default
ip -n b addr del fd00:12::2/64 dev b-a
