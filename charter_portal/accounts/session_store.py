"""Sessions in the database, each write one statement (``SESSION_ENGINE``).

Django's database sessions look a new key up before writing it (``exists``) and wrap every
write in a transaction of its own: a session written by a public complaint cost four queries.
Here a new session is one ``INSERT … ON CONFLICT DO NOTHING`` — a key already taken (32
characters of 36, drawn at random) inserts nothing and is drawn again, as Django's ``create``
does — and a save is one ``UPDATE``; one statement needs no transaction around it.

A view that writes in a transaction may write its session in it too
(:meth:`SessionStore.write_now`): one commit instead of two, and the middleware's save at the
end of the request, finding nothing changed since, writes nothing."""

from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone
from django.utils.crypto import get_random_string


class SessionStore(DatabaseSessionStore):
    #: The session's data as last written in this request (serialized), or None.
    _written: bytes | None = None

    def _get_new_session_key(self) -> str:
        return get_random_string(32, VALID_KEY_CHARS)  # taken: the INSERT says so

    def load(self) -> dict:
        """The session's data, if it is there and not expired: Django's query written out (the
        ORM built and compiled it on every request with a session cookie)."""
        connection = connections[router.db_for_read(self.model)]
        table = connection.ops.quote_name(self.model._meta.db_table)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s",
                [self.session_key, now],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None  # a new one is drawn when the session is saved
            return {}
        return self.decode(row[0])

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            return self.create()
        data = self._get_session(no_load=must_create)
        snapshot = self.serializer().dumps(data)
        if not must_create and snapshot == self._written:
            return  # written earlier in this request (write_now), unchanged since
        row = self.create_model_instance(data)
        connection = connections[router.db_for_write(self.model, instance=row)]
        table = connection.ops.quote_name(self.model._meta.db_table)
        expires = connection.ops.adapt_datetimefield_value(row.expire_date)
        with connection.cursor() as cursor:
            if must_create:
                cursor.execute(
                    f"INSERT INTO {table} (session_key, session_data, expire_date) "
                    "VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                    [row.session_key, row.session_data, expires],
                )
            else:
                cursor.execute(
                    f"UPDATE {table} SET session_data = %s, expire_date = %s "
                    "WHERE session_key = %s",
                    [row.session_data, expires, row.session_key],
                )
            written = cursor.rowcount
        if written != 1:
            # Taken (a new key), or gone since it was read (ended elsewhere): as Django's.
            raise CreateError if must_create else UpdateError
        self._written = snapshot

    def write_now(self) -> None:
        """Write the session now, in the caller's transaction, so that what the request wrote
        and its session commit together. A session ended elsewhere since it was read (its row
        gone) starts again under a new key rather than failing the caller's writes."""
        try:
            self.save()
        except UpdateError:
            self.create()
