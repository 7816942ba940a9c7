"""`python -m service.cli`: the `archive` command."""
import sys

from service.cli.commands import main

sys.exit(main())
