$TOPO apply other.yaml
