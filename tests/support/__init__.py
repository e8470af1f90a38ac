"""Test helpers: backends, servers and socket.io visitors, all real."""
