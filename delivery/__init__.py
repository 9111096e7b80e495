"""Delivery: the outbox drained through whichever channel adapter each message is for."""
