$TOPO apply applied.yaml
tc -n sw qdisc replace dev p1 root pfifo limit 10
