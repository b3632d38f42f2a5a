"""What runs next to one router's NAPALM driver on its proxy: the deploy steps and the router operations."""
