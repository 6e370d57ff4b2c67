"""Rebuild Qt's ICU data library with only what an English-only Qt Core needs (Linux).

    python installers/trim_icu_data.py PySide6/Qt/lib/libicudata.so.73 OUTPUT_FOLDER

Prints the path of the new ``libicudata.so.NN`` (run by the spec). Qt's libicudata holds all of
ICU's data, ~32 MB; in the bundle only Qt Core uses that ICU (QtWebEngine's Chromium carries
its own ICU and ``icudtl.dat``), through 31 functions: collation (QCollator), case mapping,
code-page converters (QStringConverter) and time-zone names. Kept: every item that is not
locale data, the root and English locales of every tree, the collation root and UCA data,
normalisation and UTS #46 data, the break-iterator rules, and the single-byte converters
(Windows, ISO-8859, IBM and Mac code pages). Dropped: other languages' locale data (so a
Swedish collation falls back to the root one), the multi-byte East Asian converters, the
break-iterator dictionaries (Thai, CJK, ...; Qt breaks text itself), transliteration, Unicode
character names and StringPrep profiles. The data is taken from the library itself (so its
format is the ICU release Qt was built with), trimmed with Debian's ``icupkg``, and linked
into a library exporting the same ``icudtNN_dat`` symbol with binutils. The result is checked
before it is used: English collation, a Windows code page and an English time-zone name must
come out as with the full data.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
from pathlib import Path

_LOCALE = re.compile(r"^[a-z]{2,3}(_[A-Za-z0-9]*)*\.res$")  # af.res, de_.res, zh_Hant_TW.res
_CHECK = """
import sys
from PySide6.QtCore import QCollator, QLocale, QStringDecoder, QTimeZone
names = ["Zoë Café", "zebra", "Émile", "eclair", "Ålesund", "apple", "Ärzte", "Arzt",
         "résumé", "Resume", "straße", "strasse", "10 Main", "9 Main"]
collator = QCollator(QLocale("en_US"))
zone = QTimeZone(b"America/New_York")
print(sorted(names, key=collator.sortKey), QLocale("en_US").toUpper("straße"),
      QStringDecoder("windows-1252").isValid(), QStringDecoder("ISO-8859-15").isValid(),
      zone.displayName(QTimeZone.TimeType.StandardTime, QTimeZone.NameType.LongName,
                       QLocale("en_US")))
"""


def _data_symbol(lib: Path) -> tuple[str, int, int]:
    """Return (symbol, file offset, size) of the ICU data blob a libicudata exports."""
    symbols = subprocess.run(["nm", "-D", "-S", "--defined-only", str(lib)], check=True,
                             capture_output=True, text=True).stdout
    address, size, name = next((int(f[0], 16), int(f[1], 16), f[3]) for f in
                               (line.split() for line in symbols.splitlines())
                               if len(f) == 4 and re.fullmatch(r"icudt\d+_dat", f[3]))
    sections = subprocess.run(["readelf", "-SW", str(lib)], check=True, capture_output=True,
                              text=True).stdout
    for line in sections.splitlines():
        f = line.replace("[ ", "[").split()
        if len(f) > 5 and f[0].startswith("[") and f[2] == "PROGBITS":
            start, offset, length = int(f[3], 16), int(f[4], 16), int(f[5], 16)
            if start <= address < start + length:
                return name, address - start + offset, size
    raise SystemExit(f"error: {name} of {lib} is in no section")


def _items(data: bytes) -> dict[str, bytes]:
    """Return the items of an ICU common data package ("CmnD"): name -> bytes."""
    header = struct.unpack_from("<H", data, 0)[0]
    count = struct.unpack_from("<I", data, header)[0]
    entries = [struct.unpack_from("<II", data, header + 4 + 8 * i) for i in range(count)]
    ends = [offset for _, offset in entries[1:]] + [len(data) - header]
    items = {}
    for (name_at, offset), end in zip(entries, ends, strict=True):
        name_end = data.index(b"\0", header + name_at)
        name = data[header + name_at:name_end].decode("ascii").split("/", 1)[1]
        items[name] = data[header + offset:header + end]
    return items


def _unneeded(name: str, item: bytes) -> bool:
    base = name.rsplit("/", 1)[-1]
    if base.endswith(".cnv"):  # keep single-byte code pages (UConverterStaticData.maxBytesPerChar)
        return item[struct.unpack_from("<H", item, 0)[0] + 71] != 1
    if name.startswith("translit/") or base.endswith((".dict", ".spp")) or base == "unames.icu":
        return True
    return bool(_LOCALE.match(base)) and not (base == "en.res" or base.startswith("en_"))


def trim(lib: Path, out: Path) -> Path:
    """Write the trimmed library into ``out`` and return its path."""
    symbol, offset, size = _data_symbol(lib)
    package = symbol[: -len("_dat")] + "l"  # icudt73l: the items' prefix (little endian)
    out.mkdir(parents=True, exist_ok=True)
    data = lib.read_bytes()[offset:offset + size]
    full = out / "full" / f"{package}.dat"
    full.parent.mkdir(exist_ok=True)
    full.write_bytes(data)
    drop = [name for name, item in _items(data).items() if _unneeded(name, item)]
    (out / "drop.txt").write_text("\n".join(drop) + "\n", encoding="ascii")
    trimmed = out / f"{package}.dat"  # icupkg names the items after the output file
    # --ignore-deps: the root break-iterator rules name the dictionaries dropped above
    subprocess.run(["icupkg", "--ignore-deps", "-r", str(out / "drop.txt"), str(full),
                    str(trimmed)], check=True, capture_output=True)
    assembly = out / "icudata.s"
    assembly.write_text(
        '\t.section .note.GNU-stack,"",@progbits\n\t.section .rodata\n'
        f"\t.globl {symbol}\n\t.type {symbol}, @object\n\t.balign 16\n{symbol}:\n"
        f'\t.incbin "{trimmed.name}"\n\t.size {symbol}, . - {symbol}\n', encoding="ascii")
    subprocess.run(["as", "-o", "icudata.o", assembly.name], cwd=out, check=True)
    result = out / "lib" / lib.name
    result.parent.mkdir(exist_ok=True)
    subprocess.run(["ld", "-shared", "-soname", lib.name, "-o", str(result), "icudata.o"],
                   cwd=out, check=True)
    _check(lib.parent, result.parent)
    return result


def _check(full: Path, trimmed: Path) -> None:
    """Qt Core must give the same English answers with the trimmed data as with the full."""
    answers = []
    for folder in (full, trimmed):
        env = dict(os.environ, LD_LIBRARY_PATH=str(folder), QT_QPA_PLATFORM="offscreen")
        answers.append(subprocess.run([sys.executable, "-c", _CHECK], env=env, check=True,
                                      capture_output=True, text=True).stdout)
    if answers[0] != answers[1] or "Eastern Standard Time" not in answers[1]:
        raise SystemExit(f"error: Qt answers differently with the trimmed ICU data:\n"
                         f"  full:    {answers[0]}  trimmed: {answers[1]}")


if __name__ == "__main__":
    print(trim(Path(sys.argv[1]), Path(sys.argv[2])))
