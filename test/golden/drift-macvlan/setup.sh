$TOPO apply topology.yaml
ip -n red link set dev mv0 type macvlan mode private
ip -n blue link del dev mv0
