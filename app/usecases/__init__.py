"""What comes in from outside or from the clock: payments, head-end results, the patrol, jobs."""
