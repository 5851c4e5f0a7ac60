"""The auditor's reports (issue 5 part 5): disconnections and reconnections per day and segment,
time from payment to reconnection, first-attempt success of remote reconnection, manual orders.

Pure computation over a ``Session``: bounded queries (rows of the asked period only, narrow
columns, JSON fields extracted by the database), aggregated here. No Flask."""
