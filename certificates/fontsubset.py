"""WeasyPrint's font subsetting, done from HarfBuzz faces prepared once per font.

Every PDF WeasyPrint 70 writes embeds a subset of each font it uses: HarfBuzz copies the used
glyphs out of the font file, then a second pass trims the glyph ids after the last one used. Done
from the font as loaded, HarfBuzz reads and indexes the font's tables again for every PDF, and
WeasyPrint asks cffi for a C array type of each new length, which cffi parses with pycparser.
With one certificate per PDF, that was a sixth of the time a certificate takes.

HarfBuzz (6.0 and later) can prepare a face for repeated subsetting, `hb_subset_preprocess`.
`install()` puts `_subset` in place of WeasyPrint's `Font._harfbuzz_subset`: the same two passes
with the same flags and the same tables dropped, from a face prepared once per font. The fonts it
embeds are byte for byte those WeasyPrint embeds itself (tests/certificates/test_fontsubset.py).

It replaces a method of WeasyPrint's own, so it does so only for the releases it was checked with
(SUPPORTED_WEASYPRINT) and when HarfBuzz can prepare faces; otherwise WeasyPrint's stays, and PDFs
come out the same, more slowly. When a subset fails here, WeasyPrint's own method has its turn.
"""

import collections
import logging
import threading

import cffi
import weasyprint
from weasyprint.pdf import fonts as weasyprint_fonts
from weasyprint.text import ffi as weasyprint_ffi

logger = logging.getLogger(__name__)

# Releases whose Font._harfbuzz_subset this module does the work of, checked against their source.
SUPPORTED_WEASYPRINT = ("70.",)
# A prepared face takes about 3.5 times its font file in memory, and preparing takes about 13 ms a
# megabyte of TrueType: NanumMyeongjo (3.4 MB) 45 ms and 12 MB. A CJK collection (19-26 MB of CFF)
# would take over a second and 300 MB, for a subset 2 times faster: fonts over PREPARED_FONT_BYTES
# are subset by WeasyPrint's own method. The faces kept hold PREPARED_BYTES of font files at most
# (the dozen fonts of the hub's certificates take about 8 MB); the least recently used make way.
PREPARED_FONT_BYTES = 4 * 2**20
PREPARED_BYTES = 16 * 2**20

_ffi = cffi.FFI()
_ffi.cdef("""
    typedef struct hb_blob_t hb_blob_t;
    typedef struct hb_face_t hb_face_t;
    typedef struct hb_set_t hb_set_t;
    typedef struct hb_subset_input_t hb_subset_input_t;
    typedef uint32_t hb_codepoint_t;

    hb_face_t * hb_face_reference (hb_face_t *face);
    void hb_face_destroy (hb_face_t *face);
    hb_blob_t * hb_face_reference_blob (hb_face_t *face);
    const char * hb_blob_get_data (hb_blob_t *blob, unsigned int *length);
    unsigned int hb_blob_get_length (hb_blob_t *blob);
    void hb_blob_destroy (hb_blob_t *blob);
    void hb_set_add_sorted_array (hb_set_t *set, const hb_codepoint_t *sorted_codepoints,
                                  unsigned int num_codepoints);
    void hb_set_add_range (hb_set_t *set, hb_codepoint_t first, hb_codepoint_t last);

    hb_subset_input_t * hb_subset_input_create_or_fail (void);
    void hb_subset_input_destroy (hb_subset_input_t *input);
    hb_set_t * hb_subset_input_glyph_set (hb_subset_input_t *input);
    hb_set_t * hb_subset_input_set (hb_subset_input_t *input, int set_type);
    void hb_subset_input_set_flags (hb_subset_input_t *input, unsigned value);
    hb_face_t * hb_subset_or_fail (hb_face_t *source, const hb_subset_input_t *input);
    hb_face_t * hb_subset_preprocess (hb_face_t *source);
""")

# hb_subset_flags_t and hb_subset_sets_t (hb-subset.h).
_NO_HINTING = 0x01
_RETAIN_GIDS = 0x02
_DESUBROUTINIZE = 0x04
_PASSTHROUGH_UNRECOGNIZED = 0x20
_NOTDEF_OUTLINE = 0x40
_DROP_TABLE_TAG = 3
# The tables WeasyPrint 70 drops from embedded fonts, as HarfBuzz tags (the four bytes, big-endian).
_DROPPED_TABLES = sorted(int.from_bytes(tag, "big") for tag in (
    b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT", b"SVG "))


def _open(*names):
    """The first of `names` the dynamic loader finds (the names WeasyPrint loads HarfBuzz by). Not
    WeasyPrint's own weasyprint.text.ffi._dlopen: a release without it would stop the app's start."""
    for name in names:
        try:
            return _ffi.dlopen(name)
        except OSError:
            continue
    return None


_harfbuzz = _open("libharfbuzz.so.0", "libharfbuzz.0.dylib", "libharfbuzz-0.dll", "harfbuzz")
_harfbuzz_subset = _open("libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib", "libharfbuzz-subset-0.dll",
                         "harfbuzz-subset")

# None in a release without it: supported() is then False, and the app starts all the same.
STOCK = getattr(weasyprint_fonts.Font, "_harfbuzz_subset", None)


class _PreparedFaces:
    """Faces prepared for subsetting, by the address of the face they were prepared from.

    Each entry holds a reference to its source face, so that address cannot be reused by another
    font while the entry lives; get() hands out a reference of the caller's own, so that a face
    dropped from here in another thread stays whole until its user is done with it.
    """

    def __init__(self, *, font_bytes: int, budget_bytes: int):
        self._font_bytes = font_bytes
        self._budget_bytes = budget_bytes
        self._faces = collections.OrderedDict()  # address: (source, prepared, bytes of its font file)
        self._lock = threading.Lock()
        self.prepared = 0  # faces prepared so far, kept or dropped since

    def __len__(self):
        return len(self._faces)

    @property
    def font_bytes(self) -> int:
        """The bytes of the font files of the faces kept."""
        return sum(size for _source, _prepared, size in self._faces.values())

    def get(self, face):
        """A new reference to the prepared face of `face` (the caller destroys it), or None when its
        font is too large to prepare or HarfBuzz cannot prepare it."""
        address = int(weasyprint_ffi.ffi.cast("uintptr_t", face))
        with self._lock:
            entry = self._faces.get(address)
            if entry is not None:
                self._faces.move_to_end(address)
                return _harfbuzz.hb_face_reference(entry[1])
            source = _harfbuzz.hb_face_reference(_ffi.cast("hb_face_t *", address))
            size = _blob_length(source)
            prepared = _harfbuzz_subset.hb_subset_preprocess(source) if size <= self._font_bytes else _ffi.NULL
            if prepared == _ffi.NULL:
                _harfbuzz.hb_face_destroy(source)
                return None
            self.prepared += 1
            self._faces[address] = (source, prepared, size)
            reference = _harfbuzz.hb_face_reference(prepared)
            while self.font_bytes > self._budget_bytes:
                self._drop(next(iter(self._faces)))
            return reference

    def _drop(self, address):
        source, prepared, _size = self._faces.pop(address)
        _harfbuzz.hb_face_destroy(prepared)
        _harfbuzz.hb_face_destroy(source)

    def clear(self):
        with self._lock:
            while self._faces:
                self._drop(next(iter(self._faces)))


prepared_faces = _PreparedFaces(font_bytes=PREPARED_FONT_BYTES, budget_bytes=PREPARED_BYTES)


def _blob_length(face) -> int:
    """The bytes of the font file a face is read from (of the whole collection, for a .ttc)."""
    blob = _harfbuzz.hb_face_reference_blob(face)
    try:
        return _harfbuzz.hb_blob_get_length(blob)
    finally:
        _harfbuzz.hb_blob_destroy(blob)


def _face_data(face) -> bytes:
    blob = _harfbuzz.hb_face_reference_blob(face)
    try:
        length = _ffi.new("unsigned int *")
        data = _harfbuzz.hb_blob_get_data(blob, length)
        return _ffi.unpack(data, length[0]) if length[0] else b""
    finally:
        _harfbuzz.hb_blob_destroy(blob)


def _subset_data(source, glyphs: list[int], *, hinting: bool, notdef_outline: bool) -> bytes:
    """The two passes of WeasyPrint's Font._harfbuzz_subset, from `source`: b"" when one fails."""
    subset_input = _harfbuzz_subset.hb_subset_input_create_or_fail()
    if subset_input == _ffi.NULL:
        return b""
    first = second = _ffi.NULL
    try:
        glyph_set = _harfbuzz_subset.hb_subset_input_glyph_set(subset_input)
        _harfbuzz.hb_set_add_sorted_array(glyph_set, glyphs, len(glyphs))
        notdef = _NOTDEF_OUTLINE if notdef_outline else 0
        _harfbuzz_subset.hb_subset_input_set_flags(
            subset_input, _RETAIN_GIDS | _PASSTHROUGH_UNRECOGNIZED | _DESUBROUTINIZE | notdef)
        _harfbuzz.hb_set_add_sorted_array(
            _harfbuzz_subset.hb_subset_input_set(subset_input, _DROP_TABLE_TAG), _DROPPED_TABLES,
            len(_DROPPED_TABLES))
        first = _harfbuzz_subset.hb_subset_or_fail(source, subset_input)
        if first == _ffi.NULL:
            return b""
        # The glyph ids after the last one used go: the glyphs are kept at their ids, from 0 on.
        _harfbuzz.hb_set_add_range(glyph_set, 0, glyphs[-1])
        _harfbuzz_subset.hb_subset_input_set_flags(
            subset_input, _PASSTHROUGH_UNRECOGNIZED | _DESUBROUTINIZE | notdef | (0 if hinting else _NO_HINTING))
        second = _harfbuzz_subset.hb_subset_or_fail(first, subset_input)
        return _face_data(second) if second != _ffi.NULL else b""
    finally:
        for face in (first, second):
            if face != _ffi.NULL:
                _harfbuzz.hb_face_destroy(face)
        _harfbuzz_subset.hb_subset_input_destroy(subset_input)


def _subset(self, to_unicode, hinting):
    """Font._harfbuzz_subset of WeasyPrint 70, from a prepared face."""
    source = prepared_faces.get(self.hb_face)
    if source is not None:
        try:
            data = _subset_data(source, sorted(to_unicode), hinting=hinting, notdef_outline=bool(self.missing))
        finally:
            _harfbuzz.hb_face_destroy(source)
        if data:
            self.file_content = data
            return
    STOCK(self, to_unicode, hinting)


def supported() -> bool:
    """Whether this WeasyPrint is one this module was checked with, and HarfBuzz can prepare faces."""
    return (weasyprint.__version__.startswith(SUPPORTED_WEASYPRINT)
            and STOCK is not None and weasyprint_ffi.harfbuzz_subset is not None
            and _harfbuzz is not None and _harfbuzz_subset is not None
            and hasattr(_harfbuzz_subset, "hb_subset_preprocess"))


def install() -> bool:
    """Subset WeasyPrint's fonts from prepared faces from now on, when supported(); whether it does."""
    if not supported():
        logger.info("WeasyPrint %s subsets fonts itself: this module was checked with %s",
                    weasyprint.__version__, ", ".join(f"{v}x" for v in SUPPORTED_WEASYPRINT))
        return False
    weasyprint_fonts.Font._harfbuzz_subset = _subset
    return True


def uninstall() -> None:
    """WeasyPrint's own subsetting again (the benchmark's plain WeasyPrint renders use it)."""
    weasyprint_fonts.Font._harfbuzz_subset = STOCK
    prepared_faces.clear()


def installed() -> bool:
    return weasyprint_fonts.Font._harfbuzz_subset is _subset
