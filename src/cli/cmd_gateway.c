/*
 * cmd_gateway.c - `mamori gateway`: run the edge gateway (reload on SIGHUP,
 * drain and stop on SIGTERM or SIGINT) or check a configuration.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "mamori/gateway.h"
#include "mamori/log.h"

#define DRAIN_MS 10000 /* how long requests in flight may take to finish on stop */

static const char run_usage[] =
    "usage: mamori gateway [run] --config FILE [--log-json]\n\n"
    "Run the edge gateway: an HTTP/1.1 reverse proxy with the desync\n"
    "classification and the web ACLs of FILE (docs/gateway.md) in front of\n"
    "its origins.\n\n"
    "  --log-json   the gateway's own events (start, reload, origin health,\n"
    "               stop) as JSON Lines on stderr instead of text\n\n"
    "signals: SIGHUP reloads FILE (a bad file leaves the running one serving),\n"
    "         SIGTERM and SIGINT stop accepting, let requests in flight finish\n"
    "         (at most 10 s) and exit 0.\n"
    "exit codes: 0 stopped cleanly, 2 usage, 3 bad configuration or cannot listen\n";

static const char check_usage[] =
    "usage: mamori gateway check FILE\n\n"
    "Validate a gateway configuration and the web ACLs it names; print\n"
    "FILE:LINE:COL or the JSON path of the first error.\n"
    "exit codes: 0 valid, 2 usage, 3 invalid\n";

static const char *config_arg(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) return argv[i + 1];
    if (strncmp(argv[i], "--config=", 9) == 0) return argv[i] + 9;
  }
  return NULL;
}

static mm_gateway_config *load(const char *path) {
  mm_error err;
  mm_gateway_config *cfg = mm_gateway_config_load(path, &err);
  if (!cfg) {
    mm__cli_report(path, &err);
    if (err.path[0]) fprintf(stderr, "%s: at %s\n", path, err.path);
  }
  return cfg;
}

static bool has_flag(int argc, char **argv, const char *flag) {
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], flag) == 0) return true;
  return false;
}

static int run_gateway(int argc, char **argv) {
  const char *path = config_arg(argc, argv);
  if (!path) return mm__cli_usage_error("gateway needs --config FILE");
  mm_log_configure(MM_LOG_INFO, has_flag(argc, argv, "--log-json"));
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, NULL); /* the workers inherit this mask */
  signal(SIGPIPE, SIG_IGN);
  mm_gateway_config *cfg = load(path);
  if (!cfg) return MM_EXIT_INPUT;
  mm_error err;
  mm_gateway *g = mm_gateway_start(cfg, &err);
  if (!g) return mm__cli_input_error("gateway", &err);
  if (mm_gateway_tls_port(g))
    mm_log(MM_LOG_INFO, "gateway", "listening on port %d, TLS on port %d (config %s)",
           mm_gateway_port(g), mm_gateway_tls_port(g), path);
  else
    mm_log(MM_LOG_INFO, "gateway", "listening on port %d (config %s)", mm_gateway_port(g), path);
  for (;;) {
    int sig;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig != SIGHUP) break;
    mm_gateway_config *next = load(path);
    if (!next) {
      mm_log(MM_LOG_WARN, "gateway", "reload refused; the running configuration stays");
      continue;
    }
    if (mm_gateway_reload(g, next, &err) != MM_OK)
      mm_log(MM_LOG_WARN, "gateway", "reload refused: %s", err.msg);
    else
      mm_log(MM_LOG_INFO, "gateway", "reloaded %s", path);
  }
  mm_log(MM_LOG_INFO, "gateway", "stopping: draining requests in flight");
  mm_gateway_stop(g, DRAIN_MS);
  return MM_EXIT_OK;
}

static int run_check(int argc, char **argv) {
  if (argc != 2) return mm__cli_usage_error("gateway check needs one FILE");
  mm_gateway_config *cfg = load(argv[1]);
  if (!cfg) return MM_EXIT_INPUT;
  mm_gateway_config_free(cfg);
  printf("%s: valid\n", argv[1]);
  return MM_EXIT_OK;
}

static const mm__cli_verb gateway_verbs[] = {
    {"run", "run the gateway (the default verb)", run_usage, run_gateway},
    {"check", "validate a gateway configuration", check_usage, run_check},
    {NULL, NULL, NULL, NULL},
};

const mm__cli_group mm__cli_gateway = {
    "gateway", "edge gateway: reverse proxy with desync protection and the WAF inline",
    gateway_verbs};
