ip netns add ns1
