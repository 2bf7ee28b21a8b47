"""The Excel budget template: written pre-filled from a model (:mod:`.writer`), read back with
every problem named by sheet and cell (:mod:`.reader`)."""
