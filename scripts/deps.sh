#!/usr/bin/env bash
# Install the Debian packages that mamori's build, tests, fuzzers and
# benchmarks need. Idempotent: when everything is present it only asks dpkg
# (well under a second) and changes nothing. Runs as root without sudo; as
# another user it uses sudo when there is one.
set -euo pipefail

PACKAGES=(
  # build
  cmake ninja-build gcc make pkg-config zlib1g-dev libyaml-dev
  # the gateway's TLS termination
  libssl-dev
  # WAF pattern matching: Vectorscan (Hyperscan API) and PCRE2
  libvectorscan-dev libpcre2-dev
  # WAF country lookups by default: Tor's geoip/geoip6 (/usr/share/tor)
  tor-geoipdb
  # second compiler, sanitizers and libFuzzer (clang 14's runtime)
  clang libclang-rt-14-dev
  # benchmark peers (bench/): simdjson is C++, so g++ too
  g++ libsimdjson-dev libjansson-dev
  # gateway benchmark peers (bench/gateway): wrk, nginx, nginx + ModSecurity + CRS
  wrk nginx-light libnginx-mod-http-modsecurity modsecurity-crs
  # gateway: a real Redis for the shared rate store's tests (tests/gateway/test_redis_rate.c)
  redis-server
  # WAF benchmark peer (bench/waf): ModSecurity v3's C API in the same process
  libmodsecurity-dev
)
# The IAM peer (bench/iam-compat, bench/iam: @cloud-copilot/iam-simulate from
# npm) needs node 18+ and npm. A machine that already has them (NodeSource's
# nodejs, which carries npm and conflicts with Debian's npm) keeps its own.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  PACKAGES+=(nodejs npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps.sh: installing ${missing[*]}" >&2
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
    echo "deps.sh: not root and no sudo; install as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
apt_install() { "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2; }
# A fresh machine has no package lists: update once, then retry.
if ! apt_install; then
  "${SUDO[@]}" apt-get update -qq >&2
  apt_install
fi
