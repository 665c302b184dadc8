/* What a name's characters look like: UTF-8 decoding and the classes of
 * code points a team name may not hold because they print as nothing, as
 * another character, or reorder the text around them (checks.c).  Pure C,
 * no tables beyond the ranges below. */
#ifndef ATLAS_ADMIN_CODEPOINTS_H
#define ATLAS_ADMIN_CODEPOINTS_H

#include <stddef.h>

/* Decodes one UTF-8 sequence at s (at most n bytes, n >= 1): its length,
 * with the code point in *cp, or 0 when it is not valid UTF-8 (overlong
 * forms, surrogates and values past U+10FFFF are not text). */
size_t cp_decode(const unsigned char *s, size_t n, unsigned *cp);

typedef enum {
  CP_OK,         /* an ordinary character */
  CP_CONTROL,    /* C0/C1 controls, DEL, line and paragraph separators */
  CP_INVISIBLE,  /* format characters: zero-width, joiners, invisible operators, BOM, soft hyphen, tags */
  CP_BIDI,       /* bidirectional marks, embeddings, overrides and isolates */
  CP_SPACE,      /* a space other than U+0020: no-break, en/em, thin, narrow, ideographic */
  CP_FULLWIDTH,  /* fullwidth forms of ASCII (U+FF01-U+FF5E) and fullwidth signs */
  CP_LETTERLIKE, /* compatibility letters: Kelvin, Angstrom, Ohm, script and double-struck letters,
                    Roman numerals, mathematical alphanumerics, the Greek question mark */
  CP_NONCHARACTER
} cp_class_t;

/* The class of a code point on its own. */
cp_class_t cp_class(unsigned cp);

/* What the class is, for a message ("a non-ASCII space"), and what to do
 * about it ("use an ordinary space"). */
const char *cp_class_name(cp_class_t c);
const char *cp_class_fix(cp_class_t c);

typedef enum { SCRIPT_OTHER, SCRIPT_LATIN, SCRIPT_GREEK, SCRIPT_CYRILLIC } cp_script_t;

/* The alphabet of a letter, for the mixed-script check: Latin, Greek,
 * Cyrillic, or anything else (digits, punctuation, other scripts). */
cp_script_t cp_script(unsigned cp);

/* Variation selectors (U+FE00-U+FE0F) and combining diacritics
 * (U+0300-U+036F): harmless after a symbol or a precomposed letter, a
 * look-alike after a plain ASCII letter. */
int cp_is_variation_selector(unsigned cp);
int cp_is_combining_diacritic(unsigned cp);

#endif
