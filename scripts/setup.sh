# Shared by scripts/run and scripts/test: installs what is missing, skips what is there. Source it; don't run it.
#
# Pinned here and nowhere else (toolchain facts: shared/design/toolchain.md):
#   trunk 0.21.14 (0.22 needs a newer rustc than the machines have)
#   wasm-bindgen-cli = the wasm-bindgen version in Cargo.lock (installed without --locked: one of its locked
#                      dependencies is missing from the registry here)
#   wasm-opt         = npm binaryen 132 from package-lock.json (Debian's 108 breaks the app at runtime)
#   Chromium and ChromeDriver from Debian (nothing downloads a browser of its own)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TRUNK_VERSION=0.21.14
export PATH="$ROOT/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# Trunk must never try to download a tool: the versions above are on PATH. (This also runs Trunk's cargo offline,
# so build_app fetches the locked crates first.)
export TRUNK_OFFLINE=true

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    say "need root for: $*"; return 1
  fi
}

lock_version() { # the version of a package in Cargo.lock
  awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_wasm_target() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown && return
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
}

ensure_rust_components() { # rustfmt and clippy (a minimal rustup profile has neither)
  cargo fmt --version >/dev/null 2>&1 && cargo clippy --version >/dev/null 2>&1 && return
  say "adding rustfmt and clippy"
  rustup component add rustfmt clippy
}

ensure_trunk() {
  trunk --version 2>/dev/null | grep -qx "trunk $TRUNK_VERSION" && return
  say "installing trunk $TRUNK_VERSION (takes several minutes the first time)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
}

ensure_wasm_bindgen() {
  local version
  version=$(lock_version wasm-bindgen)
  if ! grep -q "^wasm_bindgen = \"$version\"" "$ROOT/Trunk.toml"; then
    say "Trunk.toml's wasm_bindgen must equal Cargo.lock's wasm-bindgen $version"; return 1
  fi
  wasm-bindgen --version 2>/dev/null | grep -q "^wasm-bindgen $version$" && return
  say "installing wasm-bindgen-cli $version"
  cargo install wasm-bindgen-cli --version "$version"
}

ensure_node_packages() { # npm packages from package-lock.json (wasm-opt, Playwright, axe)
  local stamp="$ROOT/node_modules/.waymark-lock"
  if [ -f "$stamp" ] && cmp -s "$stamp" "$ROOT/package-lock.json"; then return; fi
  say "installing npm packages"
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$ROOT/package-lock.json" "$stamp"
}

ensure_chromium() { # the browser tests and benchmarks use /usr/bin/chromium
  [ -x /usr/bin/chromium ] && return
  say "installing Chromium from Debian"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
}

ensure_build_tools() {
  ensure_wasm_target
  ensure_node_packages
  ensure_trunk
  ensure_wasm_bindgen
}

build_app() { # the release app into dist/
  say "building the app (release)"
  # Trunk's cargo runs offline: fetch the locked crates first (instant when they are already here).
  (cd "$ROOT" && cargo fetch --locked --target wasm32-unknown-unknown >/dev/null && trunk build --release --locked)
}

build_server() {
  say "building the server (release)"
  (cd "$ROOT" && cargo build --release --locked -p waymark-server)
}
