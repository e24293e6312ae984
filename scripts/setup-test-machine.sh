#!/usr/bin/env bash
# Installs what the tests need beyond Node.js and npm, on a Debian-like machine:
# curl (uploads, as the seeds show), zip (the README's quick start), openssl (test
# certificates), PostgreSQL 15 server binaries (a throwaway
# cluster per test run), Chromium (the web UI's browser tests, headless; CHROMIUM_PATH,
# default /usr/bin/chromium) and checks for the go command (the GOPROXY client).
set -euo pipefail

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
missing=()
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v zip >/dev/null 2>&1 || missing+=(zip)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
[ -x "$PG_BIN/initdb" ] || missing+=(postgresql-15)
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: please install ${missing[*]} (Debian/Ubuntu: apt-get install ${missing[*]})" >&2
    exit 1
  fi
  # The Debian package creates a cluster and may start it; the tests use their own.
  if command -v pg_ctlcluster >/dev/null 2>&1; then pg_ctlcluster 15 main stop >/dev/null 2>&1 || true; fi
fi

if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
  # initdb refuses to run as root; the tests run it as this user.
  useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
fi

if ! command -v go >/dev/null 2>&1; then
  echo "setup: the go command (Go >= 1.21) is needed as the GOPROXY client in end-to-end tests and to build the test Kubernetes control plane: install Go from https://go.dev/dl/" >&2
  exit 1
fi
echo "setup: $(go version), $("$PG_BIN/postgres" --version), $(curl --version | head -1 | cut -d' ' -f1-2), $("${CHROMIUM_PATH:-/usr/bin/chromium}" --version 2>/dev/null | head -1), node $(node --version)" >&2
