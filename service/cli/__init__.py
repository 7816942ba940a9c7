"""The `archive` command: the worker, the web server, and the archivist's and operator's commands
(import scans, backup and restore, BagIt packages, retention, migrations, audit verification).

`main` is in `commands`; each group of subcommands adds itself to the parser from its own module.
"""
from service.areas import public

__all__, __getattr__ = public(__name__, {"commands": ["main"]})
