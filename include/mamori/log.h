/*
 * mamori/log.h - diagnostics for services and the CLI.
 *
 * Engines never log: they return errors and findings. Services and the CLI
 * log through here, as text for people (default) or as one JSON object per
 * line for machines. The sink is stderr. Configure once at start-up, before
 * threads exist; logging itself is thread-safe (one write(2) per line).
 */
#ifndef MAMORI_LOG_H
#define MAMORI_LOG_H

#include "mamori/common.h"

typedef enum mm_log_level {
  MM_LOG_DEBUG = 0,
  MM_LOG_INFO = 1,
  MM_LOG_WARN = 2,
  MM_LOG_ERROR = 3,
  MM_LOG_OFF = 4
} mm_log_level;

/* Messages below level are dropped; json selects JSON Lines output. */
MM_API void mm_log_configure(mm_log_level level, bool json);
MM_API bool mm_log_enabled(mm_log_level level);
/* One line: "mamori: warn: component: message" or
 * {"time":"...","level":"warn","component":"...","msg":"..."} */
MM_API void mm_log(mm_log_level level, const char *component, const char *fmt, ...) MM_PRINTF(3, 4);

#endif /* MAMORI_LOG_H */
