"""Around SpiffWorkflow's engine: parsing, state, expressions, projections."""
