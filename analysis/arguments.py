"""The public API's parameter vocabulary: boundary checks and deprecated aliases.

Every public function and settings object of :mod:`analysis` names the same idea the same way
(the glossary is in the :mod:`analysis` docstring): ``level`` (confidence level), ``n_boot``,
``seed``, ``n_jobs``, ``scheduler``. The ``check_*`` functions test a value at the boundary and
raise an :class:`~instruments.errors.EngagekitInputError` subclass whose message is in the
caller's terms; :func:`renamed` and :func:`renamed_fields` keep an old keyword working for one
minor version, with a :class:`DeprecationWarning`.

>>> check_level(0.9)
0.9
>>> check_level(1.5)
Traceback (most recent call last):
...
instruments.errors.InvalidArgumentError: level must be in (0, 1); got 1.5
"""

from __future__ import annotations

import functools
import math
import numbers
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from instruments.errors import EngagekitInputError, InvalidArgumentError

#: The release in which the deprecated names are removed.
REMOVED_IN = "0.3"

Err = type[EngagekitInputError]
F = TypeVar("F", bound=Callable[..., Any])
C = TypeVar("C", bound=type)


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_level(value: Any, name: str = "level", error: Err = InvalidArgumentError) -> float:
    """A confidence level strictly between 0 and 1 (0.95 for a 95% interval)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or \
            not 0 < float(value) < 1:
        raise error(f"{name} must be in (0, 1); got {value!r}"
                    + (" (a level, not a percentage: 0.95 for 95%)"
                       if isinstance(value, numbers.Real) and 50 <= float(value) < 100 else ""))
    return float(value)


def check_n_boot(value: Any, name: str = "n_boot", minimum: int = 0,
                 error: Err = InvalidArgumentError) -> int:
    """A number of bootstrap resamples: a whole number >= ``minimum`` (0 = no bootstrap)."""
    if not _is_int(value) or value < minimum:
        raise error(f"{name} must be a whole number >= {minimum}; got {value!r}")
    return int(value)


def check_seed(value: Any, name: str = "seed", optional: bool = False,
               error: Err = InvalidArgumentError) -> int | None:
    """A random seed: a whole number >= 0 (``None`` only where ``optional``)."""
    if value is None and optional:
        return None
    if not _is_int(value) or value < 0:
        raise error(f"{name} must be a whole number >= 0{' or None' if optional else ''}; "
                    f"got {value!r}")
    return int(value)


def check_n_jobs(value: Any, name: str = "n_jobs", error: Err = InvalidArgumentError
                 ) -> int | None:
    """Local worker processes: ``None`` (all cores) or a whole number >= 1."""
    if value is None:
        return None
    if not _is_int(value) or value < 1:
        raise error(f"{name} must be a whole number >= 1, or None for all cores; got {value!r}")
    return int(value)


def check_scheduler(value: Any, name: str = "scheduler", error: Err = InvalidArgumentError
                    ) -> str | None:
    """``None`` (local processes), ``"dask"`` (a local Dask cluster) or a scheduler address."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise error(f"{name} must be None, 'dask' or a Dask scheduler address such as "
                    f"'tcp://host:8786'; got {value!r}")
    return value


def check_fraction(value: Any, name: str, *, closed: bool = False,
                   error: Err = InvalidArgumentError) -> float:
    """A share in (0, 1), or [0, 1] when ``closed``."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and \
        math.isfinite(float(value))
    if ok:
        v = float(value)
        ok = 0 <= v <= 1 if closed else 0 < v < 1
    if not ok:
        raise error(f"{name} must be in {'[0, 1]' if closed else '(0, 1)'}; got {value!r}")
    return float(value)


def _deprecated(where: str, old: str, new: str, stacklevel: int = 4) -> None:
    warnings.warn(f"{where}: '{old}' is deprecated, use '{new}' (the old name is removed in "
                  f"engagekit {REMOVED_IN})", DeprecationWarning, stacklevel=stacklevel)


def _map_aliases(where: str, aliases: dict[str, Any], kwargs: dict[str, Any]) -> None:
    for old, spec in aliases.items():
        if old not in kwargs:
            continue
        new, convert = spec if isinstance(spec, tuple) else (spec, None)
        if new in kwargs:
            raise InvalidArgumentError(f"{where}: pass '{new}' only ('{old}' is its deprecated "
                                       "name)")
        _deprecated(where, old, new)
        value = kwargs.pop(old)
        kwargs[new] = convert(value) if convert is not None else value


def renamed(**aliases: str | tuple[str, Callable[[Any], Any]]) -> Callable[[F], F]:
    """Accept ``old=value`` for the parameter now called ``new`` (``renamed(ci="level")``),
    with a DeprecationWarning; ``(new, convert)`` also converts the value (e.g.
    ``alpha=("level", lambda a: 1 - a)``)."""
    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            _map_aliases(f"{fn.__name__}()", aliases, kwargs)
            return fn(*args, **kwargs)

        wrapper.__deprecated_aliases__ = dict(aliases)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def renamed_fields(**aliases: str) -> Callable[[C], C]:
    """For a settings dataclass: accept the old field name on construction and read it as an
    attribute, each with a DeprecationWarning (``@renamed_fields(confidence="level")``)."""
    def decorate(cls: C) -> C:
        init = cls.__init__

        @functools.wraps(init)
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            _map_aliases(cls.__name__, dict(aliases), kwargs)
            init(self, *args, **kwargs)

        cls.__init__ = __init__  # type: ignore[misc]
        for old, new in aliases.items():
            def getter(self: Any, old: str = old, new: str = new) -> Any:
                _deprecated(type(self).__name__, old, new, stacklevel=3)
                return getattr(self, new)

            setattr(cls, old, property(getter, doc=f"Deprecated name of ``{new}``."))
        cls.__deprecated_aliases__ = dict(aliases)  # type: ignore[attr-defined]
        return cls

    return decorate


__all__ = ["REMOVED_IN", "check_fraction", "check_level", "check_n_boot", "check_n_jobs",
           "check_scheduler", "check_seed", "renamed", "renamed_fields"]
