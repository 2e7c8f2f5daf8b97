$TOPO apply topology.yaml
