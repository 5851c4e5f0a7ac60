"""User accounts and the roles they hold."""
