/*
 * transform_text.c - the AWS WAF text transformations that reshape text
 * without decoding it: LOWERCASE, UPPERCASE, COMPRESS_WHITE_SPACE,
 * REMOVE_WHITESPACE, TRIM, TRIM_LEFT, TRIM_RIGHT, REMOVE_NULLS,
 * REPLACE_NULLS, REPLACE_COMMENTS, REMOVE_COMMENTS_CHAR, CMD_LINE,
 * CMD_LINE_WIN, CMD_LINE_UNIX, NORMALIZE_PATH and NORMALIZE_PATH_WIN.
 *
 * Behaviour is the AWS WAF Developer Guide's "Text transformations" page
 * (waf-rule-statement-transformation.html); where it is silent (which bytes
 * are whitespace, what a "comment character" is), the ModSecurity Reference
 * Manual's transformation of the same name (t:compressWhitespace, t:trim,
 * t:removeCommentsChar, t:cmdLine, t:normalizePath ...). CMD_LINE_WIN and
 * CMD_LINE_UNIX have no ModSecurity counterpart; their rules are mamori's
 * reading of AWS's names and are listed in docs/waf/transformations.md.
 *
 * Every function writes at most in.len bytes, reads each input byte a bounded
 * number of times (linear time) and treats NUL like any other byte.
 */
#include "waf/transform.h"

#include <string.h>

#define NBSP 0xA0 /* non-breaking space in Latin-1; AWS counts it as white space */

typedef const uint8_t *bytes;

static inline bytes in_bytes(mm_str in) { return (bytes)in.ptr; }

/* ---- case ------------------------------------------------------------------- */

size_t mm__waf_t_lowercase(mm_str in, uint8_t *out) {
  bytes s = in_bytes(in);
  for (size_t i = 0; i < in.len; i++)
    out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (uint8_t)(s[i] + 32) : s[i];
  return in.len;
}

size_t mm__waf_t_uppercase(mm_str in, uint8_t *out) {
  bytes s = in_bytes(in);
  for (size_t i = 0; i < in.len; i++)
    out[i] = (s[i] >= 'a' && s[i] <= 'z') ? (uint8_t)(s[i] - 32) : s[i];
  return in.len;
}

/* ---- white space and NULs ------------------------------------------------------ */

/* AWS: "replaces multiple spaces with one space and replaces the following
 * characters with a space": \f \t \n \r \v and non-breaking space (160). */
size_t mm__waf_t_compress_white_space(mm_str in, uint8_t *out) {
  bytes s = in_bytes(in);
  size_t o = 0;
  bool in_space = false;
  for (size_t i = 0; i < in.len; i++) {
    if (mm__waf_is_space(s[i]) || s[i] == NBSP) {
      if (!in_space) out[o++] = ' ';
      in_space = true;
    } else {
      out[o++] = s[i];
      in_space = false;
    }
  }
  return o;
}

/* ModSecurity t:removeWhitespace: the same set as compressWhitespace. */
size_t mm__waf_t_remove_whitespace(mm_str in, uint8_t *out) {
  bytes s = in_bytes(in);
  size_t o = 0;
  for (size_t i = 0; i < in.len; i++)
    if (!mm__waf_is_space(s[i]) && s[i] != NBSP) out[o++] = s[i];
  return o;
}

/* ModSecurity t:trim / trimLeft / trimRight: isspace() only (no NBSP). */
static size_t copy_span(mm_str in, size_t from, size_t to, uint8_t *out) {
  if (to > from) memcpy(out, in.ptr + from, to - from);
  return to - from;
}

static size_t first_non_space(mm_str in) {
  size_t i = 0;
  while (i < in.len && mm__waf_is_space((uint8_t)in.ptr[i])) i++;
  return i;
}

static size_t end_non_space(mm_str in, size_t from) {
  size_t j = in.len;
  while (j > from && mm__waf_is_space((uint8_t)in.ptr[j - 1])) j--;
  return j;
}

size_t mm__waf_t_trim(mm_str in, uint8_t *out) {
  size_t i = first_non_space(in);
  return copy_span(in, i, end_non_space(in, i), out);
}

size_t mm__waf_t_trim_left(mm_str in, uint8_t *out) {
  return copy_span(in, first_non_space(in), in.len, out);
}

size_t mm__waf_t_trim_right(mm_str in, uint8_t *out) {
  return copy_span(in, 0, end_non_space(in, 0), out);
}

size_t mm__waf_t_remove_nulls(mm_str in, uint8_t *out) {
  size_t o = 0;
  for (size_t i = 0; i < in.len; i++)
    if (in.ptr[i] != '\0') out[o++] = (uint8_t)in.ptr[i];
  return o;
}

size_t mm__waf_t_replace_nulls(mm_str in, uint8_t *out) {
  for (size_t i = 0; i < in.len; i++) out[i] = in.ptr[i] ? (uint8_t)in.ptr[i] : ' ';
  return in.len;
}

/* ---- comments ------------------------------------------------------------------- */

/* AWS: "replaces each occurrence of a C-style comment (/ * ... * /) with a
 * single space ... replaces unterminated comments with a space ... doesn't
 * change a standalone termination of a comment". */
size_t mm__waf_t_replace_comments(mm_str in, uint8_t *out) {
  bytes s = in_bytes(in);
  size_t o = 0, i = 0;
  bool in_comment = false;
  while (i < in.len) {
    bool two = i + 1 < in.len;
    if (!in_comment && two && s[i] == '/' && s[i + 1] == '*') {
      in_comment = true, i += 2;
    } else if (in_comment && two && s[i] == '*' && s[i + 1] == '/') {
      in_comment = false, i += 2, out[o++] = ' ';
    } else {
      if (!in_comment) out[o++] = s[i];
      i++;
    }
  }
  if (in_comment) out[o++] = ' ';
  return o;
}

/* How many bytes of comment syntax start at s[i] (0: none). ModSecurity
 * t:removeCommentsChar removes the markers, not what they enclose: / *, * /,
 * <!--, -->, -- and #. Longest marker first, so "-->" is not "--" + ">". */
static size_t comment_marker(bytes s, size_t i, size_t n) {
  size_t left = n - i;
  if (left >= 2 && ((s[i] == '/' && s[i + 1] == '*') || (s[i] == '*' && s[i + 1] == '/'))) return 2;
  if (left >= 4 && memcmp(s + i, "<!--", 4) == 0) return 4;
  if (left >= 3 && memcmp(s + i, "-->", 3) == 0) return 3;
  if (left >= 2 && s[i] == '-' && s[i + 1] == '-') return 2;
  return s[i] == '#' ? 1 : 0;
}

size_t mm__waf_t_remove_comments_char(mm_str in, uint8_t *out) {
  bytes s = in_bytes(in);
  size_t o = 0, i = 0;
  while (i < in.len) {
    size_t skip = comment_marker(s, i, in.len);
    if (skip) {
      i += skip;
    } else {
      out[o++] = s[i++];
    }
  }
  return o;
}

/* ---- command lines ------------------------------------------------------------------ */

/* What a command-line dialect deletes; the rest of the rules are shared. */
typedef struct cmd_dialect {
  const char *deleted; /* characters removed outright */
} cmd_dialect;

/* AWS CMD_LINE: delete \ " ' ^; delete spaces before / and (; replace , and ;
 * with a space; replace multiple spaces with one; lowercase A-Z. As in
 * ModSecurity t:cmdLine, tab, CR and LF count as spaces too, and a deleted
 * character does not end a run of spaces ("a ^ b" -> "a b"). */
static size_t cmd_line(mm_str in, uint8_t *out, const cmd_dialect *d) {
  bytes s = in_bytes(in);
  size_t o = 0;
  bool space = false; /* the last byte written is a space from this rule */
  for (size_t i = 0; i < in.len; i++) {
    uint8_t c = s[i];
    if (c != '\0' && strchr(d->deleted, c)) continue;
    if (c == ' ' || c == ',' || c == ';' || c == '\t' || c == '\r' || c == '\n') {
      if (!space) out[o++] = ' ';
      space = true;
    } else if (c == '/' || c == '(') {
      if (space) o--;
      out[o++] = c, space = false;
    } else {
      out[o++] = (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c, space = false;
    }
  }
  return o;
}

size_t mm__waf_t_cmd_line(mm_str in, uint8_t *out) {
  static const cmd_dialect generic = {"\\\"'^"};
  return cmd_line(in, out, &generic);
}

/* Windows (cmd.exe): ^ escapes and " quotes; \ is the path separator, kept. */
size_t mm__waf_t_cmd_line_win(mm_str in, uint8_t *out) {
  static const cmd_dialect win = {"\"'^"};
  return cmd_line(in, out, &win);
}

/* Unix shells: \ escapes, " and ' quote; ^ is an ordinary character, kept. */
size_t mm__waf_t_cmd_line_unix(mm_str in, uint8_t *out) {
  static const cmd_dialect unix_sh = {"\\\"'"};
  return cmd_line(in, out, &unix_sh);
}

/* ---- paths --------------------------------------------------------------------------- */

/* AWS NORMALIZE_PATH "removes multiple slashes, directory self-references,
 * and directory back-references that are not at the beginning of the input".
 * Following ModSecurity t:normalizePath (its regression suite's cases are in
 * tests/waf/transform/NORMALIZE_PATH.tsv):
 *   - runs of '/' become one; "." segments go;
 *   - ".." removes the segment before it; with none, it is kept in a
 *     relative path ("../a" stays) and dropped at the root ("/../a" -> "/a");
 *   - a trailing '/' stays when a segment remains before it.
 * The output is built in place: out[0..o) holds the segments so far, joined
 * by '/'; `floor` is where the kept leading ".." segments end, below which
 * nothing is removed. Each byte is written once and removed at most once. */
static bool is_sep(uint8_t c, bool win) { return c == '/' || (win && c == '\\'); }

static void pop_segment(uint8_t *out, size_t *o, size_t floor) {
  while (*o > floor && out[*o - 1] != '/') (*o)--;
  if (*o > floor) (*o)--; /* the '/' that joined it to the one before */
}

static size_t normalize_path(mm_str in, uint8_t *out, bool win) {
  bytes s = in_bytes(in);
  size_t n = in.len, o = 0, i = 0;
  bool absolute = n > 0 && is_sep(s[0], win);
  if (absolute) out[o++] = '/';
  size_t start = o, floor = o;
  while (i < n) {
    while (i < n && is_sep(s[i], win)) i++;
    size_t seg = i;
    while (i < n && !is_sep(s[i], win)) i++;
    size_t len = i - seg;
    if (len == 0 || (len == 1 && s[seg] == '.')) continue;
    if (len == 2 && s[seg] == '.' && s[seg + 1] == '.') {
      if (o > floor) {
        pop_segment(out, &o, floor);
        continue;
      }
      if (absolute) continue; /* nothing above the root */
    }
    if (o > start) out[o++] = '/';
    memcpy(out + o, s + seg, len);
    o += len;
    if (len == 2 && s[seg] == '.' && s[seg + 1] == '.') floor = o;
  }
  if (n > 0 && is_sep(s[n - 1], win) && o > start) out[o++] = '/';
  return o;
}

size_t mm__waf_t_normalize_path(mm_str in, uint8_t *out) { return normalize_path(in, out, false); }

/* AWS: "processes this like NORMALIZE_PATH, but first converts backslash
 * characters to forward slashes". */
size_t mm__waf_t_normalize_path_win(mm_str in, uint8_t *out) {
  return normalize_path(in, out, true);
}
