"""The token cache: hot path from memory, one load per miss, brief memory of unknown tokens."""

from __future__ import annotations

import threading
import time
from types import MappingProxyType

import anyio
import pytest

from consentmail.tracking import ResolveError, Resolver, Target

pytestmark = pytest.mark.anyio
KNOWN = Target(aggregate=False, opens=True, links=MappingProxyType({0: b"https://a.example/"}))


class Loader:
    def __init__(self, known: set[str], delay: float = 0.0) -> None:
        self.known = known
        self.delay = delay
        self.calls: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, token: str, aggregate: bool) -> Target | None:
        with self.lock:
            self.calls.append(token)
        time.sleep(self.delay)
        return KNOWN if token in self.known else None


async def test_a_known_token_is_loaded_once_then_served_from_memory() -> None:
    loader = Loader({"tok"})
    resolver = Resolver(loader=loader)
    assert await resolver.resolve("tok", False) is KNOWN
    assert await resolver.resolve("tok", False) is KNOWN
    assert loader.calls == ["tok"]
    assert resolver.loads == 1 and resolver.hits == 1


async def test_unknown_tokens_are_remembered_briefly() -> None:
    loader = Loader(set())
    resolver = Resolver(loader=loader, negative_ttl=60)
    assert await resolver.resolve("nope", False) is None
    assert await resolver.resolve("nope", False) is None
    assert loader.calls == ["nope"]
    expiring = Resolver(loader=loader, negative_ttl=0)
    await expiring.resolve("gone", False)
    await expiring.resolve("gone", False)
    assert loader.calls.count("gone") == 2


async def test_least_recently_used_tokens_are_evicted() -> None:
    loader = Loader({"a", "b", "c"})
    resolver = Resolver(loader=loader, max_entries=2)
    for token in ("a", "b", "a", "c"):  # "b" is the least recently used when "c" arrives
        await resolver.resolve(token, False)
    assert len(resolver) == 2
    await resolver.resolve("a", False)
    await resolver.resolve("b", False)
    assert loader.calls == ["a", "b", "c", "b"]


async def test_concurrent_misses_of_one_token_share_a_single_load() -> None:
    loader = Loader({"tok"}, delay=0.05)
    resolver = Resolver(loader=loader)
    results: list[Target | None] = []

    async def one() -> None:
        results.append(await resolver.resolve("tok", False))

    async with anyio.create_task_group() as tg:
        for _ in range(20):
            tg.start_soon(one)
    assert results == [KNOWN] * 20
    assert loader.calls == ["tok"]


async def test_a_failed_load_raises_and_is_not_cached() -> None:
    attempts = []

    def flaky(token: str, aggregate: bool) -> Target | None:
        attempts.append(token)
        if len(attempts) == 1:
            raise ConnectionError("database unreachable")
        return KNOWN

    resolver = Resolver(loader=flaky)
    with pytest.raises(ResolveError):
        await resolver.resolve("tok", False)
    assert await resolver.resolve("tok", False) is KNOWN


async def test_personal_and_aggregate_namespaces_are_separate() -> None:
    loader = Loader({"tok"})
    resolver = Resolver(loader=loader)
    await resolver.resolve("tok", False)
    await resolver.resolve("tok", True)
    assert loader.calls == ["tok", "tok"]
    resolver.invalidate("tok")
    assert len(resolver) == 0
