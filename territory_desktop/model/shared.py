"""A dict whose copies share structure, so an undo history of plans stays small.

Every edit returns a new plan and the undo stack keeps the old one; with plain dicts each edit
copied the whole accounts mapping (~9 MB at 200,000 accounts). :class:`SharedDict` keeps its
entries in insertion-ordered chunks of at most ``_CHUNK`` entries, found through an index of
hash buckets. ``copy()`` copies only the two short lists of references; the first change of a
copy copies the one chunk (and, for a new or removed key, the one index bucket) it touches,
so a single-account edit costs ~16 kB whatever the plan's size. Later changes of the same
chunk by the same copy happen in place (an import or a bulk edit does not copy per entry).
"""

from __future__ import annotations

import itertools
from collections.abc import ItemsView, Iterator, Mapping, MutableMapping, ValuesView
from typing import Any, TypeVar

K = TypeVar("K")
V = TypeVar("V")

_CHUNK = 256  # entries per chunk: an edit copies one chunk plus n / _CHUNK references
_BUCKETS = 256  # index buckets: a new or removed key copies one bucket (n / _BUCKETS keys)


class SharedDict(MutableMapping[K, V]):
    """A mutable mapping with cheap ``copy()``: copies share every untouched chunk.

    Iterates in insertion order like :class:`dict`; replacing a value keeps its position.
    """

    __slots__ = ("_chunks", "_index", "_len", "_mine", "_mine_buckets", "_mine_lists")

    def __init__(self, items: Any = ()) -> None:
        self._chunks: list[dict[K, V]] = []
        self._index: list[dict[K, int]] = [{} for _ in range(_BUCKETS)]
        self._len = 0
        self._mine: set[int] = set()  # chunks only this object holds, changed in place
        self._mine_buckets: set[int] = set(range(_BUCKETS))
        self._mine_lists = True  # the two lists above are this object's own
        self.update(items)

    def copy(self) -> SharedDict[K, V]:
        """Return a copy sharing every entry; changing either later leaves the other as it was."""
        new = SharedDict.__new__(SharedDict)
        new._chunks, new._index, new._len = self._chunks, self._index, self._len
        for d in (self, new):  # both now share all: the next change of either copies first
            d._mine, d._mine_buckets, d._mine_lists = set(), set(), False
        return new

    def __getitem__(self, key: K) -> V:
        """Return the value of ``key`` (KeyError when missing, like dict)."""
        return self._chunks[self._index[hash(key) % _BUCKETS][key]][key]

    def __contains__(self, key: object) -> bool:
        """Tell whether ``key`` is in the mapping (one bucket lookup)."""
        return key in self._index[hash(key) % _BUCKETS]

    def get(self, key: K, default: Any = None) -> Any:
        """Return the value of ``key``, or ``default`` when missing."""
        where = self._index[hash(key) % _BUCKETS].get(key)
        return default if where is None else self._chunks[where][key]

    def __len__(self) -> int:
        """Return the number of entries."""
        return self._len

    def __iter__(self) -> Iterator[K]:
        """Iterate over the keys in insertion order."""
        return itertools.chain.from_iterable(self._chunks)

    def __setitem__(self, key: K, value: V) -> None:
        """Set ``key``; a new key goes last, a replaced value keeps its position."""
        bucket = hash(key) % _BUCKETS
        where = self._index[bucket].get(key)
        if where is None:
            where = len(self._chunks) - 1
            if where < 0 or len(self._chunks[where]) >= _CHUNK:
                self._own_lists()
                self._chunks.append({})
                where += 1
                self._mine.add(where)
            self._own_bucket(bucket)[key] = where
            self._len += 1
        self._own_chunk(where)[key] = value

    def __delitem__(self, key: K) -> None:
        """Remove ``key`` (KeyError when missing, like dict)."""
        bucket = hash(key) % _BUCKETS
        where = self._index[bucket][key]  # KeyError when missing, like dict
        del self._own_bucket(bucket)[key]
        del self._own_chunk(where)[key]
        self._len -= 1

    def update(self, other: Any = (), /, **kwargs: V) -> None:
        """Add or replace many entries (each touched chunk is copied once, not per entry)."""
        if not self._len and not kwargs:  # building: whole chunks, one pass for the index
            source = other if type(other) is dict else dict(
                other.items() if isinstance(other, Mapping) else other)
            entries = iter(source.items())
            self._chunks = list(iter(lambda: dict(itertools.islice(entries, _CHUNK)), {}))
            for where, chunk in enumerate(self._chunks):
                for key in chunk:
                    self._index[hash(key) % _BUCKETS][key] = where
            self._len, self._mine = len(source), set(range(len(self._chunks)))
            self._mine_buckets, self._mine_lists = set(range(_BUCKETS)), True
            return
        items = other.items() if isinstance(other, Mapping) else other
        for key, value in itertools.chain(items, kwargs.items()):
            self[key] = value

    def clear(self) -> None:
        """Remove every entry; copies sharing the old entries keep them."""
        SharedDict.__init__(self)  # empty, and every chunk this object's own again

    def values(self) -> _Values[V]:
        """Return a view of the values in insertion order."""
        return _Values(self)

    def items(self) -> _Items[K, V]:
        """Return a view of the (key, value) pairs in insertion order."""
        return _Items(self)

    def __eq__(self, other: object) -> bool:
        """Compare as mappings; a copy that shares every chunk is equal at once."""
        if isinstance(other, SharedDict) and other._chunks is self._chunks:
            return True
        return Mapping.__eq__(self, other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        """Return ``SharedDict({...})`` with the entries as a dict."""
        return f"SharedDict({dict(self.items())!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as the list of items: a copy shares nothing once unpickled."""
        return SharedDict, (list(self.items()),)

    def _own_lists(self) -> None:
        if not self._mine_lists:
            self._chunks, self._index, self._mine_lists = list(self._chunks), list(
                self._index), True

    def _own_chunk(self, where: int) -> dict[K, V]:
        if where not in self._mine:
            self._own_lists()
            self._chunks[where] = dict(self._chunks[where])
            self._mine.add(where)
        return self._chunks[where]

    def _own_bucket(self, bucket: int) -> dict[K, int]:
        if bucket not in self._mine_buckets:
            self._own_lists()
            self._index[bucket] = dict(self._index[bucket])
            self._mine_buckets.add(bucket)
        return self._index[bucket]


class _Values(ValuesView[V]):
    """``values()`` of a :class:`SharedDict`, read chunk by chunk at C speed."""

    __slots__ = ()
    _mapping: SharedDict[Any, V]

    def __iter__(self) -> Iterator[V]:
        return itertools.chain.from_iterable(c.values() for c in self._mapping._chunks)


class _Items(ItemsView[K, V]):
    """``items()`` of a :class:`SharedDict`, read chunk by chunk at C speed."""

    __slots__ = ()
    _mapping: SharedDict[K, V]

    def __iter__(self) -> Iterator[tuple[K, V]]:
        return itertools.chain.from_iterable(c.items() for c in self._mapping._chunks)
