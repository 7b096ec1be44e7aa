/*
 * wcu.c - web ACL capacity units, AWS's formulas ("Web ACL capacity units
 * (WCUs) in AWS WAF", aws-waf-capacity-units.html, and the WCU note on each
 * statement's page under "Using rule statements in AWS WAF").
 *
 *   | statement                      | base WCUs                                   |
 *   | ------------------------------ | ------------------------------------------- |
 *   | ByteMatch EXACTLY/STARTS/ENDS  | 2                                           |
 *   | ByteMatch CONTAINS(_WORD)      | 10                                          |
 *   | SqliMatch                      | 20 (LOW), 30 (HIGH)                         |
 *   | XssMatch                       | 40                                          |
 *   | RegexMatch                     | 3                                           |
 *   | RegexPatternSetReference       | 25                                          |
 *   | SizeConstraint                 | 1                                           |
 *   | IPSetReference                 | 1, +4 with forwarded IP Position ANY        |
 *   | GeoMatch, AsnMatch, LabelMatch | 1                                           |
 *   | And, Or, Not                   | the sum of the nested statements            |
 *   | RateBased                      | 2, +30 per custom key, + scope-down         |
 *   | ManagedRuleGroup, RuleGroupRef | the group's Capacity                        |
 *
 * Text statements add 10 per TextTransformation other than NONE (and per pre-parse
 * transformation, waf-rule-statement-preparse-transformation.html); a
 * JsonBody field doubles the base cost. Custom rate keys add 10 per text
 * transformation. AWS may charge a rule group less when rules share
 * transformations; the documented per-statement sum is what is computed
 * here, which is the upper bound AWS's CheckCapacity reports for ACLs
 * without such sharing.
 */
#include "waf/acl.h"

/* Transformations that do something: NONE costs nothing. */
static uint32_t chain_cost(const mm__waf_chain *c) {
  uint32_t n = 0;
  for (size_t i = 0; i < c->count; i++) n += c->steps[i].type != MM__WAF_T_NONE ? 10 : 0;
  return n;
}

static uint32_t text_cost(const mm__waf_stmt *s, uint32_t base) {
  if (s->field.kind == MM__WAF_F_JSON_BODY) base *= 2;
  uint32_t pre = 0;
  for (size_t i = 0; i < s->field.n_preparse; i++) pre += s->field.preparse[i] ? 10 : 0;
  return base + chain_cost(&s->chain) + pre;
}

static uint32_t children_cost(const mm__waf_stmt *s) {
  uint32_t sum = 0;
  for (size_t i = 0; i < s->n_children; i++) sum += s->children[i]->wcu;
  return sum;
}

static uint32_t rate_cost(const mm__waf_stmt *s) {
  uint32_t c = 2 + (s->scope_down ? s->scope_down->wcu : 0);
  for (size_t i = 0; i < s->n_keys; i++) c += 30 + chain_cost(&s->keys[i].chain);
  return c;
}

uint32_t mm__waf_stmt_wcu(const mm__waf_stmt *s) {
  switch (s->kind) {
    case MM__WAF_S_BYTE_MATCH:
      return text_cost(s, s->position >= MM__WAF_POS_CONTAINS ? 10 : 2);
    case MM__WAF_S_SQLI:
      return text_cost(s, s->sensitivity ? 30 : 20);
    case MM__WAF_S_XSS:
      return text_cost(s, 40);
    case MM__WAF_S_REGEX:
      return text_cost(s, 3);
    case MM__WAF_S_REGEX_SET:
      return text_cost(s, 25);
    case MM__WAF_S_SIZE:
      return text_cost(s, 1);
    case MM__WAF_S_IP_SET:
      return s->fwd.on && s->fwd.position == MM__WAF_FWD_ANY ? 5 : 1;
    case MM__WAF_S_GEO:
    case MM__WAF_S_ASN:
    case MM__WAF_S_LABEL:
      return 1;
    case MM__WAF_S_AND:
    case MM__WAF_S_OR:
    case MM__WAF_S_NOT:
      return children_cost(s);
    case MM__WAF_S_RATE:
      return rate_cost(s);
    case MM__WAF_S_MANAGED:
    case MM__WAF_S_GROUP_REF:
      return s->group ? s->group->capacity : 0;
    default:
      return 0;
  }
}
