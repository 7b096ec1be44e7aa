#!/usr/bin/env bash
# bench/gateway/run.sh MAMORI ACL WORKDIR - see CMakeLists.txt. Each proxy
# gets one worker (one core); wrk runs one thread with 32 keep-alive
# connections for $SECONDS_PER s (default 5) against GET /bench.
set -uo pipefail
mamori=$1 acl=$2 work=$3
secs=${SECONDS_PER:-5}
for tool in wrk nginx; do
  command -v $tool >/dev/null || { echo "bench gateway: $tool is not installed (scripts/deps.sh installs it)"; exit 0; }
done
mkdir -p "$work/logs"
cd "$work"
ORIGIN=18190 NGINX=18191 MODSEC=18192 MAMORI_WAF=18193 MAMORI_BARE=18194
modsec_module=/usr/share/nginx/modules/ngx_http_modsecurity_module.so

nginx_conf() { # name port body [module]
  cat >"$1.conf" <<CONF
${4:+load_module $4;}
worker_processes 1;
daemon off;
pid $work/$1.pid;
error_log $work/logs/$1.error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  upstream origin { server 127.0.0.1:$ORIGIN; keepalive 64; }
  server {
    listen 127.0.0.1:$2 reuseport;
    $3
  }
}
CONF
}

cat >modsec-rules.conf <<CONF
SecRuleEngine On
SecRequestBodyAccess On
SecRequestBodyLimit 13107200
SecRequestBodyNoFilesLimit 131072
SecResponseBodyAccess Off
SecAuditEngine Off
SecDebugLogLevel 0
Include /etc/modsecurity/crs/crs-setup.conf
Include /usr/share/modsecurity-crs/rules/*.conf
CONF

proxy='location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; }'
nginx_conf origin $ORIGIN 'location / { return 200 "ok\n"; }'
nginx_conf nginx $NGINX "$proxy"
have_modsec=0
if [ -f $modsec_module ] && [ -d /usr/share/modsecurity-crs/rules ]; then
  nginx_conf modsec $MODSEC "modsecurity on; modsecurity_rules_file $work/modsec-rules.conf; $proxy" $modsec_module
  have_modsec=1
fi
# The default web ACL without its per-IP rate limit: wrk's one address
# would be answered 429 after 100 requests, and the benchmark measures
# inspection, not local refusals. Same managed groups, same order.
groups=$(grep -o '"Name": *"AWSManagedRules[A-Za-z]*"' "$acl" | sed 's/.*"\(AWSManagedRules[A-Za-z]*\)"/\1/')
{
  printf '{"Name":"bench","DefaultAction":{"Allow":{}},"VisibilityConfig":{"SampledRequestsEnabled":false,"CloudWatchMetricsEnabled":false,"MetricName":"bench"},"Rules":['
  i=0
  for g in $groups; do
    [ $i -gt 0 ] && printf ','
    # as in the default: Host_localhost_HEADER counts (wrk sends Host: 127.0.0.1)
    over=''
    [ "$g" = AWSManagedRulesKnownBadInputsRuleSet ] &&
      over=',"RuleActionOverrides":[{"Name":"Host_localhost_HEADER","ActionToUse":{"Count":{}}}]'
    printf '{"Name":"%s","Priority":%d,"OverrideAction":{"None":{}},"Statement":{"ManagedRuleGroupStatement":{"VendorName":"AWS","Name":"%s"%s}},"VisibilityConfig":{"SampledRequestsEnabled":false,"CloudWatchMetricsEnabled":false,"MetricName":"%s"}}' "$g" $i "$g" "$over" "$g"
    i=$((i + 1))
  done
  printf ']}\n'
} > default-webacl.json
cat >mamori-waf.json <<CONF
{"listen":"127.0.0.1:$MAMORI_WAF","workers":1,
 "sites":[{"origins":["127.0.0.1:$ORIGIN"],"web_acl":"default-webacl.json"}]}
CONF
cat >mamori-bare.json <<CONF
{"listen":"127.0.0.1:$MAMORI_BARE","workers":1,"sites":[{"origins":["127.0.0.1:$ORIGIN"]}]}
CONF

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT
start() { "$@" >>logs/servers.log 2>&1 & pids+=($!); }
start nginx -e "$work/logs/origin.error.log" -c "$work/origin.conf"
start nginx -e "$work/logs/nginx.error.log" -c "$work/nginx.conf"
[ $have_modsec = 1 ] && start nginx -e "$work/logs/modsec.error.log" -c "$work/modsec.conf"
start "$mamori" gateway --config mamori-bare.json
start "$mamori" gateway --config mamori-waf.json
sleep 4 # the web ACL's regex databases take a few seconds to compile

# One run: requests/s, p50, p99 (ms) from wrk --latency.
ua='Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36'
measure() { # port
  curl -s -o /dev/null -w '%{http_code}' -A "$ua" "http://127.0.0.1:$1/bench?q=hello" | grep -q 200 || { echo "- - -"; return; }
  # a browser's User-Agent: without one Common's NoUserAgent_HEADER blocks
  # every request and (c) would measure 403s
  wrk -t1 -c32 -d"${secs}s" --latency -H "User-Agent: $ua" -H 'Accept: text/html' \
    "http://127.0.0.1:$1/bench?q=hello" 2>/dev/null |
    awk '/Requests\/sec/ {rps=$2} $1=="50%" {p50=$2} $1=="99%" {p99=$2}
         function ms(x) { if (x ~ /us$/) return x/1000; if (x ~ /ms$/) return x+0; if (x ~ /s$/) return x*1000; return x }
         END { printf "%.0f %.3f %.3f\n", rps, ms(p50), ms(p99) }'
}
printf '\nbench gateway: GET /bench?q=hello, wrk 1 thread, 32 keep-alive connections, %ss each, 1 worker per proxy\n' "$secs"
printf '%-34s %12s %10s %10s\n' "proxy" "requests/s" "p50 ms" "p99 ms"
declare -A rps
for row in "a nginx reverse proxy:$NGINX" "b nginx + ModSecurity + CRS PL1:$MODSEC" \
           "c mamori + default web ACL:$MAMORI_WAF" "d mamori, no web ACL:$MAMORI_BARE"; do
  name=${row%%:*} port=${row##*:}
  read -r r p50 p99 < <(measure "$port")
  rps[${name%% *}]=$r
  printf '%-34s %12s %10s %10s\n' "$name" "$r" "$p50" "$p99"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.2f", a/b; else print "n/a" }'; }
printf 'ratios: (c)/(a) = %s (target >= 0.90)   (c)/(b) = %s (target >= 20)   (d)/(a) = %s\n' \
  "$(ratio "${rps[c]}" "${rps[a]}")" "$(ratio "${rps[c]}" "${rps[b]}")" "$(ratio "${rps[d]}" "${rps[a]}")"
