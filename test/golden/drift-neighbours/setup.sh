$TOPO apply topology.yaml
ip -n client neigh del 10.30.0.2 dev eth0
ip -n client neigh del fd00:30::2 dev eth0
ip -n client neigh add fd00:30::2 lladdr 02:00:00:30:00:99 dev eth0 nud permanent
ip -n client neigh add 10.30.0.99 lladdr 02:00:00:30:00:99 dev eth0 nud permanent
