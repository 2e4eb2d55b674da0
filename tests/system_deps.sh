#!/usr/bin/env bash
# System packages the tests start for real: PostgreSQL (delivery target), Chromium (browser test), Java (Spark).
# Installs what is missing from Debian's packages (root only); says what it could not install.
set -euo pipefail
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
# Java for Spark (make test-spark / demo-spark: pyspark's jars run on Debian's OpenJDK 17)
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
# CJK fonts, so screenshots of Chinese names show characters, not boxes
ls /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc >/dev/null 2>&1 || need+=(fonts-wqy-zenhei)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "system_deps: missing ${need[*]}; install them (apt-get install ${need[*]}) or run as root" >&2
  exit 1
fi
echo "system_deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# Debian's postgresql package may start a cluster on 5432; the tests start their own on a free port.
