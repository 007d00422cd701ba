#!/usr/bin/env bash
# Installs the Debian packages the test suite needs when they are missing: Chromium for the
# browser tests (Playwright's own browser download cannot work on these machines) and the
# stock MySQL and MariaDB command-line clients, which the gateway's protocol tests drive, and sysbench,
# which the server's SQL tests run against the embedded cluster.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/mysql ] || missing+=(default-mysql-client)
# The `mariadb` client and `mariadb-admin` (sessions tests) come with mariadb-client.
{ [ -x /usr/bin/mariadb ] && [ -x /usr/bin/mariadb-admin ]; } || missing+=(mariadb-client)
[ -x /usr/bin/sysbench ] || missing+=(sysbench)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing Debian packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "need root (or sudo) to apt-get install ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
