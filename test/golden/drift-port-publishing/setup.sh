$TOPO apply topology.yaml
ip netns exec docker-host nft flush chain inet topo-port-publishing nat-output
ip netns exec docker-host nft 'add rule inet topo-port-publishing prerouting iifname "eth0" udp dport 53 dnat ip to 172.17.0.3'
