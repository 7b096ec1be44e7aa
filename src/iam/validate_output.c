/*
 * validate_output.c - writing validation findings: the readable path text
 * ("Statement[0].Action[1]"), Access Analyzer's ValidatePolicyFinding JSON
 * (https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_ValidatePolicyFinding.html,
 * Location, PathElement, Span, Position), and SARIF 2.1.0
 * (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html): one
 * run whose tool driver "mamori" lists every implemented issue code as a
 * rule, one result per finding with its level, message and region.
 *
 * SARIF levels: ERROR and SECURITY_WARNING are "error" (both fail a CI run,
 * as `mamori iam validate` exits 1 on them), WARNING is "warning",
 * SUGGESTION is "note". Columns are code points ("columnKind":
 * "unicodeCodePoints"), 1-based as SARIF wants; byteOffset/byteLength are
 * the span in bytes.
 */
#include "validate_int.h"

#include "mamori/json.h"

#include <string.h>

static bool plain_word(mm_str s) {
  for (size_t i = 0; i < s.len; i++) {
    char c = s.ptr[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
          (i && c >= '0' && c <= '9')))
      return false;
  }
  return s.len > 0;
}

int mm_iam_location_path_text(const mm_iam_location *loc, mm_buf *out) {
  for (size_t i = 0; loc && i < loc->n_path; i++) {
    const mm_iam_path_element *e = &loc->path[i];
    if (e->kind == MM_IAM_PATH_INDEX) {
      mm_buf_printf(out, "[%zu]", e->index);
    } else if (e->kind == MM_IAM_PATH_SUBSTRING) {
      continue;
    } else if (plain_word(e->text)) {
      if (i) mm_buf_putc(out, '.');
      mm_buf_append(out, e->text.ptr, e->text.len);
    } else {
      mm_buf_puts(out, "[");
      mm_json_append_string(out, e->text.ptr, e->text.len);
      mm_buf_puts(out, "]");
    }
  }
  if (!out->ptr) mm_buf_puts(out, "");
  return out->oom ? MM_ENOMEM : MM_OK;
}

static void write_key_str(mm_json_writer *w, const char *key, const char *value) {
  mm_json_write_key(w, key, strlen(key));
  mm_json_write_string(w, value ? value : "", value ? strlen(value) : 0);
}

static void write_key_u64(mm_json_writer *w, const char *key, uint64_t v) {
  mm_json_write_key(w, key, strlen(key));
  mm_json_write_uint64(w, v);
}

static void write_position(mm_json_writer *w, const char *key, const mm_iam_position *p) {
  mm_json_write_key(w, key, strlen(key));
  mm_json_write_object_begin(w);
  write_key_u64(w, "line", p->line);
  write_key_u64(w, "column", p->column);
  write_key_u64(w, "offset", p->offset);
  mm_json_write_object_end(w);
}

static void write_path_element(mm_json_writer *w, const mm_iam_path_element *e) {
  mm_json_write_object_begin(w);
  if (e->kind == MM_IAM_PATH_INDEX) {
    write_key_u64(w, "index", e->index);
  } else if (e->kind == MM_IAM_PATH_SUBSTRING) {
    mm_json_write_key(w, "substring", 9);
    mm_json_write_object_begin(w);
    write_key_u64(w, "start", e->start);
    write_key_u64(w, "length", e->length);
    mm_json_write_object_end(w);
  } else {
    const char *k = e->kind == MM_IAM_PATH_KEY ? "key" : "value";
    mm_json_write_key(w, k, strlen(k));
    mm_json_write_string(w, e->text.ptr ? e->text.ptr : "", e->text.len);
  }
  mm_json_write_object_end(w);
}

int mm_iam_finding_write_json(const mm_iam_finding *f, mm_json_writer *w) {
  mm_json_write_object_begin(w);
  write_key_str(w, "findingType", mm_iam_finding_type_name(f->type));
  write_key_str(w, "issueCode", f->code);
  write_key_str(w, "findingDetails", f->message);
  write_key_str(w, "learnMoreLink", f->link);
  mm_json_write_key(w, "locations", 9);
  mm_json_write_array_begin(w);
  for (size_t i = 0; i < f->n_locations; i++) {
    const mm_iam_location *l = &f->locations[i];
    mm_json_write_object_begin(w);
    mm_json_write_key(w, "path", 4);
    mm_json_write_array_begin(w);
    for (size_t j = 0; j < l->n_path; j++) write_path_element(w, &l->path[j]);
    mm_json_write_array_end(w);
    mm_json_write_key(w, "span", 4);
    mm_json_write_object_begin(w);
    write_position(w, "start", &l->start);
    write_position(w, "end", &l->end);
    mm_json_write_object_end(w);
    mm_json_write_object_end(w);
  }
  mm_json_write_array_end(w);
  mm_json_write_object_end(w);
  return w->status;
}

/* ---- SARIF ------------------------------------------------------------------------ */

static const char *sarif_level(mm_iam_finding_type t) {
  if (t == MM_IAM_FINDING_WARNING) return "warning";
  if (t == MM_IAM_FINDING_SUGGESTION) return "note";
  return "error";
}

static void write_rules(mm_json_writer *w) {
  mm_json_write_key(w, "rules", 5);
  mm_json_write_array_begin(w);
  for (size_t i = 0; i < MM__IAM_C_COUNT; i++) {
    const mm_iam_check *c = &mm__iam_checks[i];
    mm_json_write_object_begin(w);
    write_key_str(w, "id", c->code);
    mm_json_write_key(w, "shortDescription", 16);
    mm_json_write_object_begin(w);
    write_key_str(w, "text", c->title);
    mm_json_write_object_end(w);
    write_key_str(w, "helpUri", c->link);
    mm_json_write_key(w, "defaultConfiguration", 20);
    mm_json_write_object_begin(w);
    write_key_str(w, "level", sarif_level(c->type));
    mm_json_write_object_end(w);
    mm_json_write_key(w, "properties", 10);
    mm_json_write_object_begin(w);
    write_key_str(w, "findingType", mm_iam_finding_type_name(c->type));
    mm_json_write_object_end(w);
    mm_json_write_object_end(w);
  }
  mm_json_write_array_end(w);
}

static void write_region(mm_json_writer *w, const mm_iam_location *l) {
  mm_json_write_key(w, "region", 6);
  mm_json_write_object_begin(w);
  write_key_u64(w, "startLine", l->start.line);
  write_key_u64(w, "startColumn", l->start.column + 1);
  write_key_u64(w, "endLine", l->end.line);
  write_key_u64(w, "endColumn", l->end.column + 1);
  write_key_u64(w, "byteOffset", l->start.offset);
  write_key_u64(w, "byteLength", l->end.offset - l->start.offset);
  mm_json_write_object_end(w);
}

static void write_result_location(mm_json_writer *w, const char *file, const mm_iam_location *l) {
  mm_json_write_object_begin(w);
  mm_json_write_key(w, "physicalLocation", 16);
  mm_json_write_object_begin(w);
  mm_json_write_key(w, "artifactLocation", 16);
  mm_json_write_object_begin(w);
  write_key_str(w, "uri", file);
  mm_json_write_object_end(w);
  if (l) write_region(w, l);
  mm_json_write_object_end(w);
  if (l && l->n_path) {
    mm_buf path = MM_BUF_INIT;
    mm_iam_location_path_text(l, &path);
    mm_json_write_key(w, "logicalLocations", 16);
    mm_json_write_array_begin(w);
    mm_json_write_object_begin(w);
    write_key_str(w, "fullyQualifiedName", path.ptr);
    write_key_str(w, "kind", "element");
    mm_json_write_object_end(w);
    mm_json_write_array_end(w);
    if (path.oom) w->status = MM_ENOMEM;
    mm_buf_free(&path);
  }
  mm_json_write_object_end(w);
}

static void write_result(mm_json_writer *w, const char *file, const mm_iam_finding *f) {
  const mm_iam_check *c = mm_iam_validate_check_find(f->code);
  mm_json_write_object_begin(w);
  write_key_str(w, "ruleId", f->code);
  if (c) write_key_u64(w, "ruleIndex", (uint64_t)(c - mm__iam_checks));
  write_key_str(w, "level", sarif_level(f->type));
  mm_json_write_key(w, "message", 7);
  mm_json_write_object_begin(w);
  write_key_str(w, "text", f->message);
  mm_json_write_object_end(w);
  mm_json_write_key(w, "locations", 9);
  mm_json_write_array_begin(w);
  write_result_location(w, file, f->n_locations ? &f->locations[0] : NULL);
  mm_json_write_array_end(w);
  mm_json_write_key(w, "properties", 10);
  mm_json_write_object_begin(w);
  write_key_str(w, "findingType", mm_iam_finding_type_name(f->type));
  write_key_str(w, "learnMoreLink", f->link);
  mm_json_write_object_end(w);
  mm_json_write_object_end(w);
}

int mm_iam_validation_sarif(const mm_iam_validation *const *reports, const char *const *files,
                            size_t n, unsigned flags, mm_buf *out) {
  mm_json_writer w;
  mm_json_writer_init(&w, out, flags);
  mm_json_write_object_begin(&w);
  write_key_str(&w, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
  write_key_str(&w, "version", "2.1.0");
  mm_json_write_key(&w, "runs", 4);
  mm_json_write_array_begin(&w);
  mm_json_write_object_begin(&w);
  mm_json_write_key(&w, "tool", 4);
  mm_json_write_object_begin(&w);
  mm_json_write_key(&w, "driver", 6);
  mm_json_write_object_begin(&w);
  write_key_str(&w, "name", "mamori");
  write_key_str(&w, "informationUri",
                "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
                "access-analyzer-reference-policy-checks.html");
  write_rules(&w);
  mm_json_write_object_end(&w);
  mm_json_write_object_end(&w);
  write_key_str(&w, "columnKind", "unicodeCodePoints");
  mm_json_write_key(&w, "results", 7);
  mm_json_write_array_begin(&w);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < mm_iam_validation_count(reports[i]); j++)
      write_result(&w, files && files[i] ? files[i] : "policy.json",
                   mm_iam_validation_at(reports[i], j));
  mm_json_write_array_end(&w);
  mm_json_write_object_end(&w);
  mm_json_write_array_end(&w);
  mm_json_write_object_end(&w);
  return mm_json_writer_finish(&w);
}
