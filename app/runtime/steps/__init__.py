"""One step of one instance, durably: the transaction, the engine call, saving."""
