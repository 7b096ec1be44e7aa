/*
 * glob.c - compiling AWS wildcard patterns (`*`, `?`) into the form that
 * glob_match.c runs, and the public entry points of the glob module.
 *
 * The dialects follow AWS's pages: IAM "Condition operators" (StringLike:
 * "multi-character match wildcard (*) and single-character match wildcard
 * (?)"; ArnLike: "Each of the six colon-delimited components of the ARN is
 * checked separately"), IAM "Policy elements: Resource" and "Action", and
 * EventBridge "Comparison operators" (wildcard: `*` only, `\*` and `\\`
 * escapes, no consecutive `*`). docs/core/glob.md has the links; the
 * grammar and the compiled layout are in glob_internal.h.
 *
 * Compiling runs the same walk over the pattern twice: first to measure how
 * many bytes each region of the compiled block takes, then, once the block
 * is allocated (from an arena, the heap, or the one-shot matcher's stack
 * buffer), to fill it. So a compiled pattern is a single allocation, and
 * the walk's checks (escapes, `**`) run before anything is allocated.
 */
#include "glob_internal.h"

#include "mamori/alloc.h"

#include <string.h>

/* ---- lexing ------------------------------------------------------------ */

/* The part of a pattern being compiled: all of it, or one ARN component. */
typedef struct glob_src {
  const uint8_t *p; /* the whole pattern (offsets in errors are into it) */
  size_t len;       /* bytes in the whole pattern */
  size_t lo, hi;    /* the bytes being compiled */
  unsigned flags;   /* MM_GLOB_* */
} glob_src;

typedef enum tok_kind { TOK_END, TOK_STAR, TOK_ANY, TOK_LIT } tok_kind;

typedef struct glob_tok {
  tok_kind kind;      /* what was read */
  size_t at;          /* offset of the token in the pattern */
  size_t next;        /* offset just past it */
  const uint8_t *lit; /* TOK_LIT: the character's bytes, escape removed */
  uint32_t len;       /* TOK_LIT: 1..4 bytes */
} glob_tok;

/* Record a syntax error at byte `at` of the pattern. */
static int syntax_error(const glob_src *s, size_t at, const char *what, mm_error *err) {
  return mm_error_at(err, MM_ESYNTAX, (const char *)s->p, s->len, at, "%s", what);
}

static int lex_escape(const glob_src *s, size_t i, glob_tok *t, mm_error *err) {
  if (i + 1 >= s->hi) return syntax_error(s, i, "pattern ends with an unfinished escape", err);
  uint8_t c = s->p[i + 1];
  bool qmark = !(s->flags & MM_GLOB_NO_QMARK);
  if (c != '*' && c != '\\' && !(c == '?' && qmark))
    return syntax_error(
        s, i,
        qmark ? "only *, ? and \\ may follow a backslash" : "only * and \\ may follow a backslash",
        err);
  t->kind = TOK_LIT;
  t->lit = s->p + i + 1;
  t->len = 1;
  t->next = i + 2;
  return MM_OK;
}

/* Read the token at offset i (lo <= i <= hi). */
static int lex(const glob_src *s, size_t i, glob_tok *t, mm_error *err) {
  t->at = i;
  t->next = i + 1;
  if (i >= s->hi) return t->kind = TOK_END, t->next = i, MM_OK;
  uint8_t b = s->p[i];
  if (b == '*') return t->kind = TOK_STAR, MM_OK;
  if (b == '?' && !(s->flags & MM_GLOB_NO_QMARK)) return t->kind = TOK_ANY, MM_OK;
  if (b == '\\' && (s->flags & MM_GLOB_ESCAPE)) return lex_escape(s, i, t, err);
  t->kind = TOK_LIT;
  t->lit = s->p + i;
  t->len = (uint32_t)mm__glob_char_len(s->p, s->hi, i);
  t->next = i + t->len;
  return MM_OK;
}

/* Does s[0..n) end in the first bytes of a well-formed UTF-8 sequence that
 * needs more? A literal that does may only match where the text's character
 * ends with it, which glob_match.c checks (mm__glob_piece.open_end). */
static bool ends_unfinished(const uint8_t *s, size_t n) {
  for (size_t back = 1; back <= 3 && back <= n; back++) {
    uint8_t b = s[n - back];
    if (mm__glob_is_cont(b)) continue;
    if (b < 0xc2 || b > 0xf4) return false;
    size_t need = b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
    if (need <= back) return false;
    if (back == 1) return true;
    uint8_t c = s[n - back + 1];
    if (b == 0xe0 && c < 0xa0) return false;
    if (b == 0xed && c > 0x9f) return false;
    if (b == 0xf0 && c < 0x90) return false;
    if (b == 0xf4 && c > 0x8f) return false;
    return true;
  }
  return false;
}

/* ---- the builder: measure, then fill ----------------------------------- */

enum { R_PROG, R_SEG, R_PIECE, R_CHUNK, R_MASK, R_CODE, R_LIT, R_COUNT };

typedef struct glob_bld {
  char *base;           /* the block being filled; NULL while measuring */
  size_t need[R_COUNT]; /* bytes each region takes (measuring) */
  char *cur[R_COUNT];   /* next free byte of each region (filling) */
} glob_bld;

#define GLOB_ALIGN 16

static size_t align_up(size_t n) { return (n + (GLOB_ALIGN - 1)) & ~(size_t)(GLOB_ALIGN - 1); }

/* bytes from region r: counted while measuring, handed out while filling. */
static void *take(glob_bld *b, int r, size_t bytes) {
  if (!b->base) return b->need[r] += bytes, NULL;
  char *p = b->cur[r];
  b->cur[r] += bytes;
  return p;
}

static size_t block_size(const glob_bld *b) {
  size_t size = align_up(sizeof(mm_glob));
  for (int r = 0; r < R_COUNT; r++) size += align_up(b->need[r]);
  return size;
}

/* Point the region cursors of a fill builder into block (laid out as
 * block_size measured it). */
static void bld_start_fill(glob_bld *f, const glob_bld *measured, void *block) {
  memset(f, 0, sizeof(*f));
  f->base = block;
  char *p = f->base + align_up(sizeof(mm_glob));
  for (int r = 0; r < R_COUNT; r++) {
    f->cur[r] = p;
    p += align_up(measured->need[r]);
  }
}

/* ---- segments ---------------------------------------------------------- */

/* What the walk learns about a segment before it is sized or filled. */
typedef struct seg_info {
  size_t lo, hi;     /* its bytes in the pattern */
  size_t run_lo;     /* first byte of the current literal run */
  uint32_t nchar;    /* characters (atoms) */
  uint32_t npiece;   /* literal runs and `?` runs */
  uint32_t nlit;     /* literal bytes, escapes removed */
  uint32_t nsingle;  /* one-byte literal atoms */
  uint32_t nmb;      /* multi-byte literal atoms */
  bool has_any;      /* holds a `?` */
  bool in_lit;       /* the last atom was a literal */
  bool head_cont;    /* the first atom is a literal continuation byte */
  bool lit_open_end; /* the last literal run ends unfinished */
} seg_info;

static void seg_add(seg_info *si, const glob_src *s, const glob_tok *t) {
  bool lit = t->kind == TOK_LIT;
  if (si->nchar == 0) si->lo = t->at, si->head_cont = lit && mm__glob_is_cont(t->lit[0]);
  if (si->nchar == 0 || lit != si->in_lit) si->npiece++, si->run_lo = t->at;
  si->nchar++;
  si->in_lit = lit;
  si->hi = t->next;
  if (!lit) {
    si->has_any = true;
    return;
  }
  si->nlit += t->len;
  if (t->len == 1)
    si->nsingle++;
  else
    si->nmb++;
  /* Escapes only yield ASCII, so an unfinished UTF-8 tail reads the same
   * in the raw pattern as in the unescaped literal. */
  si->lit_open_end = ends_unfinished(s->p + si->run_lo, si->hi - si->run_lo);
}

/* How a segment between two stars will be searched. */
static uint8_t seg_plan(const seg_info *si, unsigned flags) {
  if (si->nlit == 0) return MM__GLOB_SEARCH_SKIP;
  bool byte_safe = !si->head_cont && !(si->in_lit && si->lit_open_end);
  if (!si->has_any && !(flags & MM_GLOB_NOCASE) && byte_safe) return MM__GLOB_SEARCH_MEMMEM;
  if (si->nchar == 1) return MM__GLOB_SEARCH_CHAR; /* no table for `*a*b*c` */
  return MM__GLOB_SEARCH_SHIFT_AND;
}

static uint32_t chunk_count(uint32_t nchar) {
  return (nchar + MM__GLOB_WORD_BITS - 1) / MM__GLOB_WORD_BITS;
}

static void seg_reserve(glob_bld *b, const seg_info *si, bool shift_and) {
  take(b, R_SEG, sizeof(mm__glob_seg));
  take(b, R_PIECE, si->npiece * sizeof(mm__glob_piece));
  take(b, R_LIT, si->nlit);
  if (!shift_and) return;
  uint32_t nchunk = chunk_count(si->nchar);
  take(b, R_CHUNK, nchunk * sizeof(mm__glob_chunk));
  take(b, R_MASK, (si->nsingle + nchunk + si->nmb) * sizeof(uint64_t));
  take(b, R_CODE, si->nmb * sizeof(uint32_t));
}

/* ---- Shift-And tables -------------------------------------------------- */

/* One chunk's tables while they are collected. */
typedef struct chunk_acc {
  mm__glob_chunk *c;                      /* the chunk being filled */
  uint64_t any;                           /* bits of `?` atoms */
  uint64_t cmask[MM__GLOB_WORD_BITS + 1]; /* per class; [0] unused until done */
  uint32_t code[MM__GLOB_WORD_BITS];      /* multi-byte literals seen */
  uint64_t mb_mask[MM__GLOB_WORD_BITS];   /* bits per code */
  uint32_t ncls;                          /* classes in use, counting class 0 */
  uint32_t nmb;                           /* codes in use */
} chunk_acc;

static void chunk_begin(chunk_acc *a, mm__glob_chunk *c) {
  memset(a, 0, sizeof(*a));
  memset(c, 0, sizeof(*c));
  a->c = c;
  a->ncls = 1;
}

static void chunk_add_byte(chunk_acc *a, uint8_t b, uint64_t bit, bool nocase) {
  uint8_t *cls = a->c->cls;
  if (cls[b] == 0) {
    cls[b] = (uint8_t)a->ncls++;
    /* Both cases of a letter share its class, so matching need not fold. */
    if (nocase && b >= 'a' && b <= 'z') cls[b - 'a' + 'A'] = cls[b];
    if (nocase && b >= 'A' && b <= 'Z') cls[b - 'A' + 'a'] = cls[b];
  }
  a->cmask[cls[b]] |= bit;
}

static void chunk_add_mb(chunk_acc *a, uint32_t code, uint64_t bit) {
  for (uint32_t i = 0; i < a->nmb; i++) {
    if (a->code[i] != code) continue;
    a->mb_mask[i] |= bit;
    return;
  }
  a->code[a->nmb] = code;
  a->mb_mask[a->nmb++] = bit;
}

static void chunk_add(chunk_acc *a, const glob_tok *t, uint32_t atom, bool nocase) {
  uint64_t bit = (uint64_t)1 << (atom % MM__GLOB_WORD_BITS);
  a->c->natom = atom % MM__GLOB_WORD_BITS + 1;
  if (t->kind == TOK_ANY)
    a->any |= bit;
  else if (t->len == 1)
    chunk_add_byte(a, t->lit[0], bit, nocase);
  else
    chunk_add_mb(a, mm__glob_pack(t->lit, t->len), bit);
}

/* Sort the multi-byte codes (<= 64, insertion sort) for binary search. */
static void chunk_sort_codes(chunk_acc *a) {
  for (uint32_t i = 1; i < a->nmb; i++) {
    uint32_t code = a->code[i];
    uint64_t mask = a->mb_mask[i];
    uint32_t j = i;
    for (; j > 0 && a->code[j - 1] > code; j--) {
      a->code[j] = a->code[j - 1];
      a->mb_mask[j] = a->mb_mask[j - 1];
    }
    a->code[j] = code;
    a->mb_mask[j] = mask;
  }
}

/* Fold `?` into every mask and copy the tables into the block. */
static void chunk_end(chunk_acc *a, glob_bld *b) {
  a->cmask[0] = a->any;
  for (uint32_t i = 1; i < a->ncls; i++) a->cmask[i] |= a->any;
  chunk_sort_codes(a);
  for (uint32_t i = 0; i < a->nmb; i++) a->mb_mask[i] |= a->any;
  uint64_t *cmask = take(b, R_MASK, a->ncls * sizeof(uint64_t));
  uint64_t *mb_mask = take(b, R_MASK, a->nmb * sizeof(uint64_t));
  uint32_t *code = take(b, R_CODE, a->nmb * sizeof(uint32_t));
  memcpy(cmask, a->cmask, a->ncls * sizeof(uint64_t));
  if (a->nmb) memcpy(mb_mask, a->mb_mask, a->nmb * sizeof(uint64_t));
  if (a->nmb) memcpy(code, a->code, a->nmb * sizeof(uint32_t));
  a->c->cmask = cmask;
  a->c->mb_mask = mb_mask;
  a->c->mb_code = code;
  a->c->n_mb = a->nmb;
}

/* Build the chunk tables of a segment whose atoms are [lo, hi). */
static void fill_chunks(glob_bld *b, const glob_src *s, mm__glob_seg *sg, size_t lo, size_t hi) {
  chunk_acc acc;
  mm__glob_chunk *chunks = take(b, R_CHUNK, sg->nchunk * sizeof(mm__glob_chunk));
  bool nocase = s->flags & MM_GLOB_NOCASE;
  glob_tok t = {0}; /* filled by the lexer; zeroed for -O3 flow analysis */
  uint32_t atom = 0;
  for (size_t i = lo; i < hi; i = t.next, atom++) {
    lex(s, i, &t, NULL); /* cannot fail: the measuring walk read it */
    if (atom % MM__GLOB_WORD_BITS == 0) {
      if (atom) chunk_end(&acc, b);
      chunk_begin(&acc, &chunks[atom / MM__GLOB_WORD_BITS]);
    }
    chunk_add(&acc, &t, atom, nocase);
  }
  chunk_end(&acc, b);
  sg->chunk = chunks;
}

/* ---- filling a segment ------------------------------------------------- */

static void piece_close(mm__glob_piece *pc, const char *lit) {
  if (pc && pc->len) pc->open_end = ends_unfinished((const uint8_t *)lit + pc->off, pc->len);
}

/* Copy the literal bytes and the pieces of the segment [lo, hi). */
static void fill_pieces(glob_bld *b, const glob_src *s, mm__glob_seg *sg, const seg_info *si) {
  char *lit = take(b, R_LIT, si->nlit);
  mm__glob_piece *pieces = take(b, R_PIECE, si->npiece * sizeof(mm__glob_piece));
  mm__glob_piece *pc = NULL;
  uint32_t nlit = 0, npiece = 0;
  glob_tok t = {0}; /* filled by the lexer; zeroed for -O3 flow analysis */
  for (size_t i = si->lo; i < si->hi; i = t.next) {
    lex(s, i, &t, NULL);
    bool lit_tok = t.kind == TOK_LIT;
    if (!pc || lit_tok != (pc->len > 0)) {
      piece_close(pc, lit);
      pc = &pieces[npiece++];
      *pc = (mm__glob_piece){.off = nlit};
    }
    if (!lit_tok) {
      pc->nany++;
      continue;
    }
    memcpy(lit + nlit, t.lit, t.len);
    pc->len += t.len;
    nlit += t.len;
  }
  piece_close(pc, lit);
  sg->piece = pieces;
  sg->npiece = npiece;
  sg->lit = lit;
  sg->nlit = nlit;
}

static void seg_fill(glob_bld *b, const glob_src *s, const seg_info *si, bool searched) {
  mm__glob_seg *sg = take(b, R_SEG, sizeof(mm__glob_seg));
  memset(sg, 0, sizeof(*sg));
  fill_pieces(b, s, sg, si);
  sg->nchar = si->nchar;
  sg->literal = !si->has_any;
  sg->head_cont = si->head_cont;
  sg->search = searched ? seg_plan(si, s->flags) : MM__GLOB_SEARCH_SKIP;
  if (searched && sg->search == MM__GLOB_SEARCH_SHIFT_AND) {
    sg->nchunk = chunk_count(si->nchar);
    fill_chunks(b, s, sg, si->lo, si->hi);
  }
}

/* A segment ends: size it, or fill it. Anchored segments are compared in
 * place and need no search tables. */
static void seg_close(glob_bld *b, const glob_src *s, const seg_info *si, bool searched) {
  bool shift_and = searched && seg_plan(si, s->flags) == MM__GLOB_SEARCH_SHIFT_AND;
  if (!b->base)
    seg_reserve(b, si, shift_and);
  else
    seg_fill(b, s, si, searched);
}

/* ---- programs ---------------------------------------------------------- */

/* Where the walk over one program stands. */
typedef struct walk_state {
  seg_info seg;   /* the segment being read; nchar == 0 when none */
  uint32_t nseg;  /* segments closed */
  bool any_star;  /* a `*` was read */
  bool prev_star; /* the last token was `*` */
  bool lead_star; /* `*` came before the first segment */
} walk_state;

static uint8_t prog_kind(const walk_state *w, bool trail_star) {
  if (!w->any_star) return MM__GLOB_EXACT;
  if (w->nseg == 0) return MM__GLOB_ANY;
  if (w->nseg > 1) return MM__GLOB_GENERAL;
  if (w->lead_star && trail_star) return MM__GLOB_INFIX;
  return w->lead_star ? MM__GLOB_SUFFIX : MM__GLOB_PREFIX;
}

/* A `*` or the end closes the open segment, if any. */
static void walk_close(glob_bld *b, const glob_src *s, walk_state *w, bool at_end) {
  if (w->seg.nchar == 0) return;
  bool anchored = at_end || (w->nseg == 0 && !w->lead_star);
  seg_close(b, s, &w->seg, !anchored);
  w->nseg++;
  memset(&w->seg, 0, sizeof(w->seg));
}

static int walk_star(glob_bld *b, const glob_src *s, walk_state *w, const glob_tok *t,
                     mm_error *err) {
  if (w->prev_star && (s->flags & MM_GLOB_NO_STARSTAR))
    return syntax_error(s, t->at, "consecutive wildcards are not allowed", err);
  if (w->seg.nchar == 0 && w->nseg == 0) w->lead_star = true;
  walk_close(b, s, w, false);
  w->any_star = w->prev_star = true;
  return MM_OK;
}

/* Read s's tokens once: check them, and size or fill the program. */
static int walk_prog(glob_bld *b, const glob_src *s, mm_error *err) {
  mm__glob_prog *prog = take(b, R_PROG, sizeof(mm__glob_prog));
  const mm__glob_seg *first = b->base ? (const mm__glob_seg *)b->cur[R_SEG] : NULL;
  walk_state w = {0};
  glob_tok t = {0}; /* filled by the lexer; zeroed for -O3 flow analysis */
  int rc;
  for (size_t i = s->lo;; i = t.next) {
    if ((rc = lex(s, i, &t, err)) != MM_OK) return rc;
    if (t.kind == TOK_END) break;
    if (t.kind == TOK_STAR) {
      if ((rc = walk_star(b, s, &w, &t, err)) != MM_OK) return rc;
      continue;
    }
    seg_add(&w.seg, s, &t);
    w.prev_star = false;
  }
  walk_close(b, s, &w, true);
  if (prog)
    *prog = (mm__glob_prog){.seg = first,
                            .nseg = w.nseg,
                            .kind = prog_kind(&w, w.prev_star),
                            .lead_star = w.lead_star,
                            .trail_star = w.prev_star};
  return MM_OK;
}

/* ---- ARN components ---------------------------------------------------- */

#define ARN_PARTS 6 /* arn:partition:service:region:account-id:resource */

/* Split p[0..n) on its first five colons; returns the number of components
 * (1..6) and their [lo, hi) offsets. */
static int arn_split(const uint8_t *p, size_t n, size_t lo[ARN_PARTS], size_t hi[ARN_PARTS]) {
  int k = 0;
  size_t start = 0;
  for (; k < ARN_PARTS - 1; k++) {
    const uint8_t *colon = memchr(p + start, ':', n - start);
    if (!colon) break;
    lo[k] = start;
    hi[k] = (size_t)(colon - p);
    start = hi[k] + 1;
  }
  lo[k] = start;
  hi[k] = n;
  return k + 1;
}

static bool only_stars(mm_str pattern) {
  for (size_t i = 0; i < pattern.len; i++)
    if (pattern.ptr[i] != '*') return false;
  return pattern.len > 0;
}

/* Walk every component (checking all of them); emit programs only when
 * there are six and the pattern is not `*` alone. */
static int build_arn(glob_bld *b, const glob_src *whole, mm_glob *g, mm_error *err) {
  size_t lo[ARN_PARTS], hi[ARN_PARTS];
  int n = arn_split(whole->p, whole->len, lo, hi);
  bool emit = n == ARN_PARTS && !only_stars((mm_str){(const char *)whole->p, whole->len});
  const mm__glob_prog *first = b->base ? (const mm__glob_prog *)b->cur[R_PROG] : NULL;
  for (int k = 0; k < n; k++) {
    glob_src s = *whole;
    s.lo = lo[k];
    s.hi = hi[k];
    glob_bld scratch = {0};
    int rc = walk_prog(emit ? b : &scratch, &s, err);
    if (rc != MM_OK) return rc;
  }
  if (g) g->prog = emit ? first : NULL, g->nprog = emit ? ARN_PARTS : 0;
  return MM_OK;
}

/* Measure (g == NULL) or fill the whole compiled pattern. */
static int build(glob_bld *b, mm_str pattern, unsigned flags, mm_glob *g, mm_error *err) {
  glob_src s = {(const uint8_t *)pattern.ptr, pattern.len, 0, pattern.len, flags};
  if (g) {
    memset(g, 0, sizeof(*g));
    g->flags = flags;
    g->match_all = (flags & MM_GLOB_ARN) && only_stars(pattern);
  }
  if (flags & MM_GLOB_ARN) return build_arn(b, &s, g, err);
  const mm__glob_prog *first = b->base ? (const mm__glob_prog *)b->cur[R_PROG] : NULL;
  int rc = walk_prog(b, &s, err);
  if (g && rc == MM_OK) g->prog = first, g->nprog = 1;
  return rc;
}

/* Check flags and length, then measure. */
static int measure(glob_bld *m, mm_str pattern, unsigned flags, mm_error *err) {
  memset(m, 0, sizeof(*m));
  if (!pattern.ptr && !pattern.len) pattern.ptr = "";
  if (flags & ~MM_GLOB_ALL_FLAGS)
    return mm_error_set(err, MM_EINVAL, "unknown glob flags 0x%x", flags & ~MM_GLOB_ALL_FLAGS);
  if (!pattern.ptr && pattern.len) return mm_error_set(err, MM_EINVAL, "pattern is NULL");
  if (pattern.len > MM_GLOB_MAX_PATTERN)
    return mm_error_set(err, MM_ELIMIT, "pattern of %zu bytes exceeds the limit of %zu",
                        pattern.len, (size_t)MM_GLOB_MAX_PATTERN);
  return build(m, pattern, flags, NULL, err);
}

/* Fill block (sized by m) and return the pattern it now holds. */
static mm_glob *fill(const glob_bld *m, void *block, mm_str pattern, unsigned flags) {
  glob_bld f;
  if (!pattern.ptr) pattern.ptr = "";
  bld_start_fill(&f, m, block);
  mm_glob *g = block;
  build(&f, pattern, flags, g, NULL); /* cannot fail: measuring checked it all */
  return g;
}

/* ---- public API -------------------------------------------------------- */

mm_glob *mm_glob_compile(mm_str pattern, unsigned flags, mm_arena *arena, mm_error *err) {
  glob_bld m;
  if (measure(&m, pattern, flags, err) != MM_OK) return NULL;
  size_t size = block_size(&m);
  void *block = arena ? mm_arena_alloc(arena, size) : mm_malloc(size);
  if (!block) return mm_error_set(err, MM_ENOMEM, "out of memory compiling a glob"), NULL;
  mm_glob *g = fill(&m, block, pattern, flags);
  g->heap = arena == NULL;
  return g;
}

void mm_glob_free(mm_glob *g) {
  if (g && g->heap) mm_free(g);
}

unsigned mm_glob_flags(const mm_glob *g) { return g->flags; }

int mm_glob_validate(mm_str pattern, unsigned flags, mm_error *err) {
  glob_bld m;
  return measure(&m, pattern, flags, err);
}

/* Components of an ARN text; false when it has fewer than six. */
static bool arn_text_split(mm_str text, size_t lo[ARN_PARTS], size_t hi[ARN_PARTS]) {
  return arn_split((const uint8_t *)text.ptr, text.len, lo, hi) == ARN_PARTS;
}

bool mm_glob_matches(const mm_glob *g, mm_str text) {
  bool nocase = g->flags & MM_GLOB_NOCASE;
  const uint8_t *t = (const uint8_t *)(text.ptr ? text.ptr : "");
  if (g->match_all) return true;
  if (!(g->flags & MM_GLOB_ARN)) return mm__glob_prog_match(&g->prog[0], nocase, t, text.len);
  size_t lo[ARN_PARTS], hi[ARN_PARTS];
  if (g->nprog != ARN_PARTS || !arn_text_split((mm_str){(const char *)t, text.len}, lo, hi))
    return false;
  for (int k = 0; k < ARN_PARTS; k++)
    if (!mm__glob_prog_match(&g->prog[k], nocase, t + lo[k], hi[k] - lo[k])) return false;
  return true;
}

/* The one-shot matcher compiles here when the pattern fits: IAM-sized
 * patterns do, so it allocates nothing. */
#define GLOB_STACK_BLOCK 4096

int mm_glob_match(mm_str pattern, mm_str text, unsigned flags) {
  _Alignas(GLOB_ALIGN) char stack[GLOB_STACK_BLOCK];
  glob_bld m;
  int rc = measure(&m, pattern, flags, NULL);
  if (rc != MM_OK) return rc;
  size_t size = block_size(&m);
  void *block = size <= sizeof(stack) ? stack : mm_malloc(size);
  if (!block) return MM_ENOMEM;
  bool hit = mm_glob_matches(fill(&m, block, pattern, flags), text);
  if (block != stack) mm_free(block);
  return hit ? 1 : 0;
}
