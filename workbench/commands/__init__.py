"""Subcommands of the ``workbench`` command, one module each.

A module defines ``register(subparsers) -> None`` which adds its parser and sets
``func=run`` where ``run(args) -> int`` returns the exit code. Add new modules to
``COMMAND_MODULES``; cli.py stays a thin dispatcher.
"""

COMMAND_MODULES = [
    "workbench.commands.gui",
    "workbench.commands.demo",
    "workbench.commands.search",
    "workbench.commands.screenshot",
    "workbench.commands.import_",
    "workbench.commands.rejects",
    "workbench.commands.refresh",
    "workbench.commands.plugins",
    "workbench.commands.sources",
    "workbench.commands.match",
    "workbench.commands.pool",
    "workbench.commands.job_order",
    "workbench.commands.show",
    "workbench.commands.audit",
    "workbench.commands.cache_admin",
    "workbench.commands.campaign",
    "workbench.commands.bench",
    "workbench.commands.about",
    "workbench.commands.gis",
    "workbench.commands.config",
    "workbench.commands.team",
]
