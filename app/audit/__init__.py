"""What auditors read: history chains, seals, case files, timelines, replay, reports."""
