"""Signals the commitments app sends; other apps connect to them in their ``ready()``."""

from django.dispatch import Signal

# Sent by ``seed_charter`` once the charter's rows exist (inside its transaction), so apps
# built on the catalogue can seed what refers to it.
charter_seeded = Signal()
