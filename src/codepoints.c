/* Code point classes for names: see codepoints.h.  The ranges come from
 * the Unicode character database (General Category Cf, Zs, Zl, Zp, Cc;
 * the Halfwidth and Fullwidth Forms block; the letter-like characters
 * whose compatibility decomposition is an ordinary letter). */
#include "codepoints.h"

size_t cp_decode(const unsigned char *s, size_t n, unsigned *cp) {
  size_t len, i;
  unsigned c;
  if (s[0] < 0x80) {
    *cp = s[0];
    return 1;
  }
  if ((s[0] & 0xe0) == 0xc0) { len = 2; c = s[0] & 0x1f; }
  else if ((s[0] & 0xf0) == 0xe0) { len = 3; c = s[0] & 0x0f; }
  else if ((s[0] & 0xf8) == 0xf0) { len = 4; c = s[0] & 0x07; }
  else return 0;
  if (len > n) return 0;
  for (i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80) return 0;
    c = (c << 6) | (s[i] & 0x3f);
  }
  if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) || (len == 4 && c < 0x10000) || c > 0x10ffff ||
      (c >= 0xd800 && c <= 0xdfff))
    return 0;
  *cp = c;
  return len;
}

typedef struct {
  unsigned lo, hi;
  cp_class_t cls;
} cp_range_t;

/* Sorted by lo, not overlapping: searched by bisection. */
static const cp_range_t ranges[] = {
  { 0x0000, 0x001f, CP_CONTROL },      { 0x007f, 0x009f, CP_CONTROL },      { 0x00a0, 0x00a0, CP_SPACE },
  { 0x00ad, 0x00ad, CP_INVISIBLE },    { 0x034f, 0x034f, CP_INVISIBLE },    { 0x037e, 0x037e, CP_LETTERLIKE },
  { 0x061c, 0x061c, CP_BIDI },         { 0x115f, 0x1160, CP_INVISIBLE },    { 0x1680, 0x1680, CP_SPACE },
  { 0x17b4, 0x17b5, CP_INVISIBLE },    { 0x180b, 0x180f, CP_INVISIBLE },    { 0x2000, 0x200a, CP_SPACE },
  { 0x200b, 0x200d, CP_INVISIBLE },    { 0x200e, 0x200f, CP_BIDI },         { 0x2028, 0x2029, CP_CONTROL },
  { 0x202a, 0x202e, CP_BIDI },         { 0x202f, 0x202f, CP_SPACE },        { 0x205f, 0x205f, CP_SPACE },
  { 0x2060, 0x2064, CP_INVISIBLE },    { 0x2066, 0x2069, CP_BIDI },         { 0x206a, 0x206f, CP_INVISIBLE },
  { 0x2102, 0x2102, CP_LETTERLIKE },   { 0x2107, 0x2107, CP_LETTERLIKE },   { 0x210a, 0x2113, CP_LETTERLIKE },
  { 0x2115, 0x2115, CP_LETTERLIKE },   { 0x2119, 0x211d, CP_LETTERLIKE },   { 0x2124, 0x2124, CP_LETTERLIKE },
  { 0x2126, 0x2126, CP_LETTERLIKE },   { 0x2128, 0x2128, CP_LETTERLIKE },   { 0x212a, 0x212d, CP_LETTERLIKE },
  { 0x212f, 0x2131, CP_LETTERLIKE },   { 0x2133, 0x2139, CP_LETTERLIKE },   { 0x213c, 0x2140, CP_LETTERLIKE },
  { 0x2145, 0x2149, CP_LETTERLIKE },   { 0x2160, 0x2188, CP_LETTERLIKE },   { 0x3000, 0x3000, CP_SPACE },
  { 0x3164, 0x3164, CP_INVISIBLE },    { 0xfdd0, 0xfdef, CP_NONCHARACTER }, { 0xfeff, 0xfeff, CP_INVISIBLE },
  { 0xff01, 0xff5e, CP_FULLWIDTH },    { 0xffa0, 0xffa0, CP_INVISIBLE },    { 0xffe0, 0xffe6, CP_FULLWIDTH },
  { 0xfff9, 0xfffb, CP_INVISIBLE },    { 0x1d173, 0x1d17a, CP_INVISIBLE },  { 0x1d400, 0x1d7ff, CP_LETTERLIKE },
  { 0xe0000, 0xe007f, CP_INVISIBLE },
};

cp_class_t cp_class(unsigned cp) {
  size_t lo = 0, hi = sizeof ranges / sizeof ranges[0];
  if (cp >= 0x20 && cp < 0x7f) return CP_OK; /* printable ASCII: the common case */
  if ((cp & 0xfffe) == 0xfffe) return CP_NONCHARACTER; /* U+xxFFFE, U+xxFFFF */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (cp < ranges[mid].lo) hi = mid;
    else if (cp > ranges[mid].hi) lo = mid + 1;
    else return ranges[mid].cls;
  }
  return CP_OK;
}

const char *cp_class_name(cp_class_t c) {
  switch (c) {
  case CP_CONTROL: return "a control character";
  case CP_INVISIBLE: return "an invisible format character";
  case CP_BIDI: return "a bidirectional text control";
  case CP_SPACE: return "a non-ASCII space";
  case CP_FULLWIDTH: return "a fullwidth form";
  case CP_LETTERLIKE: return "a letter-like compatibility symbol";
  case CP_NONCHARACTER: return "a Unicode noncharacter";
  default: return "an ordinary character";
  }
}

const char *cp_class_fix(cp_class_t c) {
  switch (c) {
  case CP_SPACE: return "use an ordinary space (U+0020)";
  case CP_FULLWIDTH: return "type the ordinary ASCII character instead";
  case CP_LETTERLIKE: return "type the ordinary letter instead (K, not the Kelvin sign)";
  case CP_BIDI: return "remove it (it reorders how the name prints)";
  default: return "remove it (it prints as nothing)";
  }
}

cp_script_t cp_script(unsigned cp) {
  if ((cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z')) return SCRIPT_LATIN;
  if (cp < 0xc0) return SCRIPT_OTHER;
  if ((cp <= 0x24f && cp != 0xd7 && cp != 0xf7) || (cp >= 0x250 && cp <= 0x2af) || (cp >= 0x1e00 && cp <= 0x1eff) ||
      (cp >= 0x2c60 && cp <= 0x2c7f) || (cp >= 0xa720 && cp <= 0xa7ff))
    return SCRIPT_LATIN;
  if ((cp >= 0x370 && cp <= 0x3ff) || (cp >= 0x1f00 && cp <= 0x1fff)) return SCRIPT_GREEK;
  if ((cp >= 0x400 && cp <= 0x52f) || (cp >= 0x1c80 && cp <= 0x1c8f) || (cp >= 0x2de0 && cp <= 0x2dff) ||
      (cp >= 0xa640 && cp <= 0xa69f))
    return SCRIPT_CYRILLIC;
  return SCRIPT_OTHER;
}

int cp_is_variation_selector(unsigned cp) { return cp >= 0xfe00 && cp <= 0xfe0f; }

int cp_is_combining_diacritic(unsigned cp) { return cp >= 0x300 && cp <= 0x36f; }
