"""`python -m loaders ...` is the command line's name; its commands live in cli/ (they sit above every layer)."""
import sys

from cli.main import main

sys.exit(main())
