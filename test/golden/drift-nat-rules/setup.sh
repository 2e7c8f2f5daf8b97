$TOPO apply topology.yaml
ip netns exec router nft flush chain inet topo-router-portfwd postrouting
ip netns exec router nft 'add rule inet topo-router-portfwd postrouting oifname "veth-wan" ip saddr 10.0.9.0/24 masquerade'
ip netns exec router nft 'add table inet by-hand; add chain inet by-hand post { type nat hook postrouting priority srcnat; }'
