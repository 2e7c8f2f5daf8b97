$TOPO apply topology.yaml
t='inet topo-firewall'
h=$(ip netns exec fw nft -a list chain $t forward | sed -n 's/.*dport 8080 .*# handle \([0-9]*\)$/\1/p')
ip netns exec fw nft delete rule $t forward handle "$h"
ip netns exec fw nft add rule $t forward tcp dport 9090 accept
h=$(ip netns exec fw nft -a list chain $t forward | sed -n 's/.*comment "topo:.*# handle \([0-9]*\)$/\1/p')
ip netns exec fw nft replace rule $t forward handle "$h" udp dport 54 accept
ip netns exec fw nft 'add table inet by-hand; add chain inet by-hand c { type filter hook forward priority 10; }'
