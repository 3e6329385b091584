"""Helpers shared by the tests and the bench: start the hub and other processes, talk to it over MCP,
mint tokens, wait for a condition. Plain functions, no fixtures (those live in `tests/fixtures/`);
`bench/` imports only this package of `tests` (an import-linter contract keeps it so)."""
