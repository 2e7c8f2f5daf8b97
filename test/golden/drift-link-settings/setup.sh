$TOPO apply topology.yaml
ip -n b link set m-b mtu 1500 address 02:00:00:00:07:99
ip -n a link set br-m mtu 1300
