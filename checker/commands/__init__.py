"""One module per subcommand; each exposes `run(...) -> int` (an exit code)."""
