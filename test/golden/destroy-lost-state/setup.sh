$TOPO apply topology.yaml
rm /run/topo/red.json
