$TOPO apply applied.yaml
