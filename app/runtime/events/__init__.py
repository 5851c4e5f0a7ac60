"""What a step writes besides state: history, inbound messages, the outbox."""
