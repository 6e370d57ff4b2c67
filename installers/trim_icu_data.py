"""Cut the app's two copies of ICU data to what an English-only app needs.

    python installers/trim_icu_data.py PySide6/Qt/lib/libicudata.so.73 OUTPUT_FOLDER
    python installers/trim_icu_data.py PySide6/Qt/resources/icudtl.dat OUTPUT_FOLDER

Prints the path of the new ``libicudata.so.NN`` or ``icudtl.dat`` (run by the spec). Qt's
libicudata holds all of ICU's data, ~32 MB; in the bundle only Qt Core uses that ICU
(QtWebEngine's Chromium carries its own ICU and ``icudtl.dat``), through 31 functions: collation
(QCollator), case mapping, code-page converters (QStringConverter) and time-zone names. Kept:
every item that is not locale data, the root and English locales of every tree and its index,
the collation root and UCA data, normalisation and UTS #46 data, the break-iterator rules, and
the single-byte converters (Windows, ISO-8859, IBM and Mac code pages). Dropped: other
languages' locale data (so a Swedish collation falls back to the root one), the multi-byte East
Asian converters, the break-iterator dictionaries (Thai, CJK, ...; Qt breaks text itself),
transliteration, Unicode character names and StringPrep profiles. The data is taken from the
library itself (so its format is the ICU release Qt was built with), trimmed with Debian's
``icupkg``, and linked into a library exporting the same ``icudtNN_dat`` symbol with binutils.
The result is checked before it is used: English collation, a Windows code page and an English
time-zone name must come out as with the full data.

Chromium's ``icudtl.dat`` (QtWebEngine's, 10 MB, a plain ICU package) loses the same items; the
indexes matter most there (``res_index``: without them V8 finds no English and formats even an
explicit ``en-US`` date with the system locale's missing data). It is checked the same way in
the map page's engine under an English and a German system locale: numbers, dates, time zones,
collation, case mapping, plural rules and word breaks must come out as with the full data. What
changes on purpose: ``toLocaleString()`` with no locale formats in English on any system, like
the rest of the app.
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
    return bool(_LOCALE.match(base)) and base != "res_index.res" \
        and not (base == "en.res" or base.startswith("en_"))


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


_PAGE_SCRIPT = """JSON.stringify([
  new Intl.NumberFormat('en-US').format(1234567.891),
  new Intl.NumberFormat('en-US', {style: 'currency', currency: 'USD'}).format(1234.5),
  new Date(Date.UTC(2026, 11, 7, 15, 30)).toLocaleString('en-US',
    {timeZone: 'America/Los_Angeles', timeZoneName: 'long'}),
  new Intl.DateTimeFormat('en-US', {weekday: 'long', month: 'long', day: 'numeric'})
    .format(new Date(2026, 11, 7)),
  ['Zoë Café', 'zebra', 'Émile', 'eclair', 'Ålesund', 'apple', '10 Main', '9 Main']
    .sort(new Intl.Collator('en', {numeric: true}).compare),
  ['b', 'a', 'É', 'e'].sort((x, y) => x.localeCompare(y)), 'straße'.toUpperCase(),
  new Intl.PluralRules('en-US').select(1), new Intl.RelativeTimeFormat('en').format(-1, 'day'),
  Array.from(new Intl.Segmenter('en', {granularity: 'word'}).segment('Hello, big world'))
    .map(s => s.segment)])"""
_PAGE_CHECK = """
import sys
from PySide6.QtCore import QTimer, QUrl
from PySide6.QtWebEngineCore import QWebEnginePage
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
page = QWebEnginePage()
page.loadFinished.connect(
    lambda ok: page.runJavaScript(sys.argv[1], 0, lambda v: (print(v), app.quit())))
page.setHtml("<p>Territory</p>", QUrl("file:///"))
QTimer.singleShot(60000, app.quit)
app.exec()
"""


def trim_chromium(dat: Path, out: Path) -> Path:
    """Write Chromium's trimmed ``icudtl.dat`` into ``out`` and return its path."""
    data = dat.read_bytes()
    items = _items(data)
    header = struct.unpack_from("<H", data, 0)[0]
    name_at = struct.unpack_from("<I", data, header + 4)[0]
    first = data[header + name_at:data.index(b"\0", header + name_at)].decode("ascii")
    package = first.split("/", 1)[0]  # icudt74l: the items' prefix
    out.mkdir(parents=True, exist_ok=True)
    full = out / "full" / f"{package}.dat"
    full.parent.mkdir(exist_ok=True)
    full.write_bytes(data)
    drop = [name for name, item in items.items() if _unneeded(name, item)]
    (out / "drop.txt").write_text("\n".join(drop) + "\n", encoding="ascii")
    trimmed = out / f"{package}.dat"  # icupkg names the items after the output file
    subprocess.run(["icupkg", "--ignore-deps", "-r", str(out / "drop.txt"), str(full),
                    str(trimmed)], check=True, capture_output=True)
    result = out / "resources" / dat.name
    result.parent.mkdir(exist_ok=True)
    os.replace(trimmed, result)
    _check_page(dat, result, out / "probe")
    return result


def _check_page(full: Path, trimmed: Path, probe: Path) -> None:
    """Stop the build unless the map page answers as with the full data.

    QtWebEngine reads ``icudtl.dat`` only from its own resources folder, so the probe runs on
    a copy of PySide6 made of links whose ``icudtl.dat`` is the one under test.
    """
    import PySide6

    package = Path(PySide6.__file__).parent
    copy = probe / "PySide6"
    if not copy.exists():
        for source in package.rglob("*"):
            target = copy / source.relative_to(package)
            if source.is_dir():
                target.mkdir(parents=True, exist_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.symlink_to(source)
    data = copy / "Qt" / "resources" / full.name
    answers = []
    for lang in ("C.UTF-8", "de_DE.UTF-8"):
        for source in (full, trimmed):
            data.unlink()
            data.symlink_to(source.resolve())
            env = dict(os.environ, PYTHONPATH=str(probe), QT_QPA_PLATFORM="offscreen",
                       QTWEBENGINE_DISABLE_SANDBOX="1", LANG=lang, LC_ALL=lang)
            done = subprocess.run([sys.executable, "-c", _PAGE_CHECK, _PAGE_SCRIPT], env=env,
                                  capture_output=True, text=True, timeout=180)
            answers.append(done.stdout.strip() or f"(no answer: exit status {done.returncode})")
    if len(set(answers)) != 1 or "Pacific Standard Time" not in answers[0]:
        raise SystemExit("error: the map page answers differently with the trimmed ICU data "
                         "(English and German system locale; full, trimmed):\n  "
                         + "\n  ".join(answers))


if __name__ == "__main__":
    source = Path(sys.argv[1])
    print((trim_chromium if source.suffix == ".dat" else trim)(source, Path(sys.argv[2])))
