"""Compile the routing kernels ahead of time, so the bundle needs neither numba nor llvmlite.

    python installers/compile_kernels.py OUTPUT_FOLDER

Writes the extension module ``cch_kernels_aot`` (``cch_kernels_aot.cpython-*.so`` or ``.pyd``)
into OUTPUT_FOLDER and prints its path. A frozen build imports it in place of
``territory_desktop/routing/cch_kernels.py`` (see ``routing/cch.py``); a checkout keeps
numba's JIT. numba's own AOT compiler (``numba.pycc``) compiles the same source, so the
results are the JIT's bit for bit (tests/routing/test_aot_kernels.py checks it on real
networks). ``numba.pycc`` is pending deprecation with no replacement released yet: it is
used at build time only and pinned by the numba the dev extras install.

Each kernel is exported for exactly the argument types of ``routing/cch_aot.py``'s
``ARGUMENTS``, which must be those the JIT compiled in ``cch.warm_up()`` (the build stops
otherwise; tests/routing/test_routing_queries.py checks that real use adds no other). Like
``nogil=True`` under the JIT, the exported kernels release the GIL (the pair loop runs on a
thread pool); they are compiled for the architecture's generic CPU, so they run on any
machine of it.

Needs a C compiler (gcc or clang; MSVC on Windows) and setuptools, as ``numba.pycc`` does.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

MODULE = "cch_kernels_aot"


def _described(numba_type: Any) -> tuple[str, int] | str:
    """Describe a JIT argument type in the notation of ``cch_aot.ARGUMENTS``."""
    if hasattr(numba_type, "ndim"):
        if numba_type.layout != "C" or not numba_type.mutable:
            return str(numba_type)  # never equal to an ARGUMENTS entry
        return (str(numba_type.dtype), numba_type.ndim)
    return "int" if str(numba_type) == "int64" else str(numba_type)


def compile_kernels(folder: Path) -> Path:
    """Compile the kernels into ``folder`` and return the extension module's path."""
    warnings.filterwarnings("ignore", message=".*'pycc' module is pending deprecation")
    from numba.core import compiler as numba_compiler
    from numba.pycc import CC
    from numba.pycc import compiler as pycc_compiler

    from territory_desktop.routing import cch, cch_kernels
    from territory_desktop.routing.cch_aot import ARGUMENTS

    class _GilFreeFlags(numba_compiler.Flags):  # type: ignore[misc]
        """numba.pycc compiles with default flags: ask its Python wrappers to drop the GIL."""

        def __init__(self, *args: object) -> None:
            super().__init__(*args)
            self.release_gil = True

    cch.warm_up()  # the JIT compiles each kernel for the argument types of real use
    cc = CC(MODULE)
    cc.output_dir = str(folder)
    cc.target_cpu = "generic"
    cc.verbose = False
    for name, wanted in ARGUMENTS.items():
        kernel = getattr(cch_kernels, name)
        (result,) = kernel.overloads.values()  # exactly one: see the module docstring
        jit = tuple(map(_described, result.signature.args))
        if jit != wanted:
            raise SystemExit(f"error: the JIT compiled {name} for {jit}, cch_aot.ARGUMENTS "
                             f"says {wanted}: make them agree")
        cc.export(name, result.signature)(kernel.py_func)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(f"{MODULE}.*"):
        old.unlink()  # an earlier build's
    pycc_compiler.Flags = _GilFreeFlags  # _cull_exports builds its Flags() from this name
    try:
        cc.compile()
    finally:
        pycc_compiler.Flags = numba_compiler.Flags
    (built,) = folder.glob(f"{MODULE}.*")
    return built


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n\n")[1])
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    print(compile_kernels(Path(sys.argv[1]).resolve()))
