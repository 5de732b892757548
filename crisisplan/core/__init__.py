"""The bottom layer: users, the clients' data keys, encryption and the audit log."""
