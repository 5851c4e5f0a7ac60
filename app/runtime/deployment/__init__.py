"""Checking and storing BPMN versions: reading files, lint, parse problems."""
