#!/usr/bin/env bash
# `make run`: the gateway on 127.0.0.1:8080 in front of the built-in demo
# origin (127.0.0.1:8081), protected by examples/default-webacl.json, with
# what to try printed first. Ctrl-C drains and stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/mamori}
cat <<'TXT'

  mamori gateway: http://127.0.0.1:8080  ->  demo origin 127.0.0.1:8081
  web ACL: examples/default-webacl.json    config: examples/gateway.json
  logs: build/access.log (CloudFront format), build/waf.log (AWS WAF records)

  Try, from another terminal:

    curl -i http://127.0.0.1:8080/
        a normal request: 200 from the demo origin

    curl -i "http://127.0.0.1:8080/products?id=1%27%20OR%20%271%27=%271"
        SQL injection: 403 from the AWS-managed-style SQL database rules

    for i in $(seq 1 300); do curl -s -o /dev/null -w '%{http_code}\n' http://127.0.0.1:8080/; done | sort | uniq -c
        a flood: the rate-based rule answers 429 once one address passes its limit

    curl -s http://127.0.0.1:8080/__mamori/metrics | head
        Prometheus metrics (loopback clients only)

  Ctrl-C stops the gateway.

TXT
exec "$bin" gateway --config examples/gateway.json
