ip link add veth-host type bridge
