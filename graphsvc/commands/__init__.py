"""CLI subcommands: each module has ``register(sub)`` and a ``run(args) -> int``."""
