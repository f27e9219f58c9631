"""Token -> target, from memory: the tracking hot path never waits on the database for a known
token. A miss is loaded in a worker thread (one load per token however many requests wait for
it); unknown tokens are remembered briefly so that forged URLs cannot hammer the database."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

import anyio
import anyio.to_thread
from sqlalchemy.orm import Session

from consentmail.db.engine import session_scope
from consentmail.tracking.cache import TTLCache
from consentmail.tracking.lookup import Target, campaign_links, load_target

Loader = Callable[[str, bool], Target | None]
Key = tuple[bool, str]


class ResolveError(RuntimeError):
    """The database could not be asked (the token may well exist)."""


class _Pending:
    __slots__ = ("done", "target", "failed")

    def __init__(self) -> None:
        self.done = anyio.Event()
        self.target: Target | None = None
        self.failed = False


class Resolver:
    """LRU cache of tokens (personal and aggregate) to their `Target`.

    Positive entries live `ttl` seconds (so an erased message stops resolving), negative ones
    `negative_ttl` seconds in a separate, smaller table, so a flood of forged tokens cannot evict
    real ones. Use from one event loop; loads run in worker threads.
    """

    def __init__(
        self,
        database_url: str | None = None,
        *,
        loader: Loader | None = None,
        max_entries: int = 100_000,
        ttl: float = 3600.0,
        negative_ttl: float = 10.0,
        max_negative: int = 10_000,
    ) -> None:
        if loader is None:
            if database_url is None:
                raise ValueError("Resolver needs a database_url or a loader")
            loader = _DatabaseLoader(database_url, ttl=ttl)
        self._load = loader
        self._cache: TTLCache[Key, Target] = TTLCache(max_entries, ttl)
        self._negative: TTLCache[Key, bool] = TTLCache(max_negative, negative_ttl)
        self._pending: dict[Key, _Pending] = {}
        self.hits = 0
        self.loads = 0

    async def resolve(self, token: str, aggregate: bool) -> Target | None:
        """The target of a token, or None if it is unknown. Raises ResolveError if the database
        fails on a miss."""
        key = (aggregate, token)
        target = self._cache.get(key)
        if target is not None:
            self.hits += 1
            return target
        if self._negative.get(key):
            self.hits += 1
            return None
        pending = self._pending.get(key)
        if pending is not None:  # someone is loading it already: wait for that load
            await pending.done.wait()
            if pending.failed:
                raise ResolveError("token lookup failed")
            return pending.target
        return await self._load_into_cache(key)

    async def _load_into_cache(self, key: Key) -> Target | None:
        pending = self._pending[key] = _Pending()
        try:
            self.loads += 1
            target = await anyio.to_thread.run_sync(self._load, key[1], key[0])
        except Exception as exc:
            pending.failed = True
            raise ResolveError("token lookup failed") from exc
        finally:
            del self._pending[key]
            pending.done.set()
        pending.target = target
        if target is None:
            self._negative.put(key, True)
        else:
            self._negative.pop(key)
            self._cache.put(key, target)
        return target

    def invalidate(self, token: str) -> None:
        """Forget a token (e.g. after erasing its message)."""
        for aggregate in (False, True):
            self._cache.pop((aggregate, token))
            self._negative.pop((aggregate, token))

    def clear(self) -> None:
        self._cache.clear()
        self._negative.clear()

    def __len__(self) -> int:
        return len(self._cache)


class _DatabaseLoader:
    """Loads one token in a short session; a campaign's links are loaded once and shared by all
    its tokens (and expire like them)."""

    def __init__(self, database_url: str, ttl: float, max_campaigns: int = 10_000) -> None:
        self._url = database_url
        self._ttl = ttl
        self._links: dict[int, tuple[Mapping[int, bytes], float]] = {}
        self._max_campaigns = max_campaigns
        self._lock = threading.Lock()

    def __call__(self, token: str, aggregate: bool) -> Target | None:
        with session_scope(self._url) as session:
            return load_target(session, token, aggregate, lambda cid: self._links_of(session, cid))

    def _links_of(self, session: Session, campaign_id: int) -> Mapping[int, bytes]:
        now = time.monotonic()
        with self._lock:
            entry = self._links.get(campaign_id)
        if entry is not None and now < entry[1]:
            return entry[0]
        links = campaign_links(session, campaign_id)
        with self._lock:
            if len(self._links) >= self._max_campaigns:
                self._links.clear()
            self._links[campaign_id] = (links, now + self._ttl)
        return links
