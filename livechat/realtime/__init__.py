"""Socket.io: the server, its namespaces, and the listeners that broadcast committed events."""
