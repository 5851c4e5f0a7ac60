"""What the outside world asks of the application, one use case at a time."""
