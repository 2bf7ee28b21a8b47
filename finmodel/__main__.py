"""``python -m finmodel`` runs the command line."""

from finmodel.cli import main

main()
