"""``relayflow headend-sim``: a SIMULATED head-end process (no meter is reached), speaking the
head-end contract over HTTP with scenarios from a file (issue 15)."""
