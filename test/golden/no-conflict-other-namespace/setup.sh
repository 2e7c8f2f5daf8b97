ip link add veth1 type bridge
ip netns add other
ip -n other link add veth2 type bridge
