"""The shared cache (Redis) with one client object per connection pool.

Django's Redis backend makes a new ``redis.Redis`` client for every call (its constructor
copies the ~160 response callbacks into a case-insensitive dictionary); a public complaint
made ~25 of them. A client holds no connection of its own — it takes one from the pool for
each command — and is safe to share between threads, so one is made per pool and reused. The
pool itself reconnects after a fork, as before."""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)
            client = self._clients.setdefault(index, self._client(connection_pool=pool))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClient
