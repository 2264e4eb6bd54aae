"""What a clock is owed on: a subject named by type and id.

A clock names its subject by type and id, not by a foreign key: the apps that own the subjects
import this one, never the reverse.
"""

#: A customer request: its clocks, and the messages about it, name it so (``requests_desk``).
REQUEST_SUBJECT = "request"
