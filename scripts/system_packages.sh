#!/usr/bin/env bash
# The system packages the tests need: Debian's chromium (browser tests), nginx (the sign-in
# proxy in front of the auth browser tests' servers), mdbtools (ITRAC Access CDs) and a
# Java runtime (Spark local mode), and npm (`npm ci` brings the world map's outlines and
# axe-core, see package.json). Installed with apt when running as
# root; otherwise stop with the one command to run. Never skip those tests silently.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# /usr/sbin is not on every user's PATH. The tests start their own nginx; the packaged
# service is not used.
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v mdb-export >/dev/null 2>&1 || missing+=(mdbtools)
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "The tests need these system packages: ${missing[*]}" >&2
  echo "Install them with:  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
