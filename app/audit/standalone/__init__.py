"""Tools that run without relayflow: each file here imports only the Python standard library, so
it can be handed to a third party (``verify_case.py`` checks an exported case file)."""
