#!/usr/bin/env python3
"""Regenerate bands.txt.gz and spell.txt.gz from Debian's SCOWL word lists.

Reads only the installed dictionary files (Debian packages wamerican-small,
wamerican, wamerican-large, wbritish):

    /usr/share/dict/american-english-small
    /usr/share/dict/american-english
    /usr/share/dict/american-english-large
    /usr/share/dict/british-english

Writes, next to this script:

    bands.txt.gz  "word<TAB>band", band 1 = american-english-small,
                  2 = american-english but not small, 3 = american-english-large
                  only. Only entries made entirely of lower-case ASCII letters
                  (no apostrophes, digits, capitals/proper nouns, accents).
    spell.txt.gz  union of all four lists, lower-cased, ASCII only (apostrophe
                  allowed), one word per line. Accented entries (café, naïve,
                  fiancé) are added in accent-stripped form (cafe, naive,
                  fiance), since writers commonly type them that way.

Both are sorted in byte order (Go's sort.Strings order) and compressed with
`gzip -9 -n`, so the bytes are reproducible for the same input files.

Usage: python3 gen.py            (set SPELL_NO_LARGE=1 to leave
                                  american-english-large out of spell.txt)
"""
import os
import re
import subprocess
import sys
import unicodedata

DICT = "/usr/share/dict"
SMALL = os.path.join(DICT, "american-english-small")
DEFAULT = os.path.join(DICT, "american-english")
LARGE = os.path.join(DICT, "american-english-large")
BRITISH = os.path.join(DICT, "british-english")

OUT = os.path.dirname(os.path.abspath(__file__))

BAND_RE = re.compile(r"[a-z]+")       # whole entry: lower-case ASCII letters
SPELL_RE = re.compile(r"[a-z']+")     # after lower-casing: letters + apostrophe


def read(path):
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


def fold(word):
    """Strip accents: 'café' -> 'cafe'. Returns the word unchanged if ASCII."""
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def write_gz(name, lines):
    path = os.path.join(OUT, name)
    with open(path, "w", encoding="ascii", newline="\n") as f:
        for line in lines:
            f.write(line + "\n")
    # -f: overwrite an existing .gz; -n: no name/timestamp => reproducible.
    subprocess.run(["gzip", "-9", "-n", "-f", path], check=True)
    return path + ".gz"


def main():
    small, default, large, british = (read(p) for p in (SMALL, DEFAULT, LARGE, BRITISH))

    # bands.txt: only entries that are already all lower-case letters, so
    # capitalised proper nouns / abbreviations never enter the bands.
    def band_set(words):
        return {w for w in words if BAND_RE.fullmatch(w)}

    s1, s2, s3 = band_set(small), band_set(default), band_set(large)
    band = {}
    for w in s3 | s2 | s1:
        band[w] = 1 if w in s1 else (2 if w in s2 else 3)
    bands = ["%s\t%d" % (w, band[w]) for w in sorted(band)]

    # spell.txt: union, lower-cased, accents stripped, ASCII-only entries
    # (letters, apostrophe).
    sources = [small, default, british]
    if os.environ.get("SPELL_NO_LARGE") != "1":
        sources.append(large)
    spell = set()
    for words in sources:
        for w in words:
            lw = fold(w).lower()
            if SPELL_RE.fullmatch(lw):
                spell.add(lw)
    spell = sorted(spell)

    for name, lines in (("bands.txt", bands), ("spell.txt", spell)):
        gz = write_gz(name, lines)
        print("%-14s %7d lines  %8d bytes gzipped" % (os.path.basename(gz), len(lines), os.path.getsize(gz)))

    counts = {b: sum(1 for v in band.values() if v == b) for b in (1, 2, 3)}
    print("bands: 1=%d 2=%d 3=%d" % (counts[1], counts[2], counts[3]), file=sys.stderr)


if __name__ == "__main__":
    main()
