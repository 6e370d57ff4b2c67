"""The routing kernels as a frozen build ships them: compiled ahead of time, without numba.

``installers/compile_kernels.py`` compiles :mod:`~territory_desktop.routing.cch_kernels`
with ``numba.pycc`` into the extension module ``cch_kernels_aot`` for exactly the argument
types below; :mod:`~territory_desktop.routing.cch` uses it when frozen. Its wrappers crash the
process on any other argument type (numba.pycc does not convert or refuse them), so each
kernel is called through a check that raises TypeError instead.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

__all__ = ["ARGUMENTS", "checked"]

_I1 = ("int64", 1)
_I2 = ("int64", 2)
_F1 = ("float64", 1)
_F2 = ("float64", 2)
_P2 = ("int32", 2)

#: Each kernel's arguments, in order: (dtype, dimensions) of a C-contiguous writeable array,
#: or "int" for an integer. The JIT compiles exactly these for real use
#: (tests/routing/test_aot_kernels.py); the build exports these and no others.
ARGUMENTS: dict[str, tuple[tuple[str, int] | str, ...]] = {
    "_dissect": (_I1, _I1, _F1, _F1, "int", _I1, _I1, _I1, _I2, _I1, "int"),
    "_contract": ("int", _I1, _I1, _I1),
    "_customize": (_I1, _I1, _I1, _I1, _F1),
    "_depths": (_I1,),
    "_searches": (_I1, _I1, _F1, _I1, _I1, _I1, _I2, _F2, "int"),
    "_pairs": (_F2, _P2, _I1, _F2, _P2, _I1, "int", "int", _F2),
}


def _fits(arg: object, want: tuple[str, int] | str) -> bool:
    if isinstance(want, str):  # "int"
        return isinstance(arg, int | np.integer) and not isinstance(arg, bool)
    dtype, ndim = want
    return (isinstance(arg, np.ndarray) and arg.dtype == np.dtype(dtype) and arg.ndim == ndim
            and arg.flags.c_contiguous and arg.flags.writeable)  # fmt: skip


def _checked(name: str, kernel: Callable[..., Any]) -> Callable[..., Any]:
    wants = ARGUMENTS[name]

    def call(*args: Any) -> Any:
        if len(args) != len(wants) or not all(map(_fits, args, wants)):
            got = [f"{a.dtype}[{a.ndim}d]" if isinstance(a, np.ndarray) else type(a).__name__
                   for a in args]  # fmt: skip
            raise TypeError(f"{name} takes {wants}, got {got}")
        return kernel(*args)

    call.__name__ = call.__qualname__ = name
    return call


def checked(compiled: ModuleType) -> tuple[Callable[..., Any], ...]:
    """Return the compiled module's kernels, in the order of :data:`ARGUMENTS`, type-checked."""
    return tuple(_checked(name, getattr(compiled, name)) for name in ARGUMENTS)
