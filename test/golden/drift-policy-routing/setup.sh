$TOPO apply topology.yaml
ip -n m rule del priority 1001 from 10.0.2.2 table 101 protocol 241
ip -n m rule del priority 1000 from 10.0.1.2 table 100 protocol 241
ip -n m rule add priority 1000 from 10.0.1.2 table 101 protocol 241
ip -n m route del default table 100
ip -n m rule add priority 3000 from 10.9.0.0/16 table 100
ip -6 -n m rule del priority 1010 to fd09::/64 unreachable protocol 241
ip -6 -n m rule add priority 1010 to fd09::/64 blackhole protocol 241
ip -6 -n m rule add priority 1500 from fd01::/64 table 101 protocol 241
