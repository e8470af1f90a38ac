"""The demo shop: its catalog and orders, seeded into the database, and its page."""
