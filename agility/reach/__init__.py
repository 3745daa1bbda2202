"""The way into a cluster: SSH tunnels through the bastion, commands on nodes over SSH."""
