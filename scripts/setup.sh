# Shared by scripts/run and scripts/test: installs what is missing, skips what is there. Source it; don't run it.
#
# Pinned here and nowhere else (toolchain facts: shared/design/toolchain.md):
#   trunk 0.21.14 (0.22 needs a newer rustc than the machines have)
#   wasm-bindgen-cli = the wasm-bindgen version in Cargo.lock (installed without --locked: one of its locked
#                      dependencies is missing from the registry here)
#   wasm-opt         = npm binaryen 132 from package-lock.json (Debian's 108 breaks the app at runtime)
#   Chromium and ChromeDriver from Debian (nothing downloads a browser of its own)
#   PostgreSQL from Debian (the sync server's tests run against a throwaway cluster of it)
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

# Commands to run when the script exits, last added first. Use this, never `trap … EXIT` directly, so that one
# cleanup does not replace another.
EXIT_HOOKS=()
run_exit_hooks() {
  local i
  for ((i = ${#EXIT_HOOKS[@]} - 1; i >= 0; i--)); do eval "${EXIT_HOOKS[i]}" || true; done
}
on_exit() {
  EXIT_HOOKS+=("$1")
  trap run_exit_hooks EXIT
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

ensure_chromium() { # the browser tests and benchmarks use /usr/bin/chromium; the wasm tests drive it by chromedriver
  [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && return
  say "installing Chromium and ChromeDriver from Debian"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
}

postgres_bin() { # the newest installed PostgreSQL's bin directory, if any
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && [ -x "$dir/postgres" ] && echo "$dir"
}

ensure_postgres() {
  postgres_bin >/dev/null && return
  say "installing PostgreSQL from Debian"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  postgres_bin >/dev/null || { say "PostgreSQL installed, but no postgres binary under /usr/lib/postgresql"; return 1; }
}

# Starts a throwaway PostgreSQL cluster for the tests: initdb in a fresh temporary directory, listening only on a
# Unix socket in that directory (no TCP port, so no clash with anything else running), with a database `waymark`.
# Exports WAYMARK_TEST_DATABASE_URL and stops the cluster and removes the directory when the script exits.
# Calling it again in the same shell reuses the running cluster. Durability is switched off: it is thrown away.
start_test_postgres() {
  if [ -n "${WAYMARK_TEST_PG_DIR:-}" ] && [ -S "$WAYMARK_TEST_PG_DIR/.s.PGSQL.5432" ]; then return; fi
  local bin dir as=()
  bin=$(postgres_bin) || { say "no PostgreSQL found (run ensure_postgres)"; return 1; }
  # A short path: a Unix socket's path must stay under about 100 bytes.
  dir=$(mktemp -d /tmp/waymark-pg.XXXXXX)
  on_exit "stop_test_postgres '$dir'"
  if [ "$(id -u)" -eq 0 ]; then # PostgreSQL refuses to run as root
    chown postgres: "$dir"
    as=(runuser -u postgres --)
  fi
  say "starting a throwaway PostgreSQL ($("$bin/postgres" --version | awk '{print $3}')) in $dir"
  "${as[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 --no-sync \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || { cat "$dir/server.log" >&2; return 1; }
  "${as[@]}" "$bin/createdb" -h "$dir" -U postgres waymark
  export WAYMARK_TEST_PG_DIR="$dir"
  export WAYMARK_TEST_DATABASE_URL="postgres://postgres@localhost/waymark?host=$dir"
}

stop_test_postgres() { # DIR: stops the cluster started there and removes it
  local dir=$1 bin as=()
  bin=$(postgres_bin) || true
  [ "$(id -u)" -eq 0 ] && as=(runuser -u postgres --)
  if [ -n "$bin" ] && [ -f "$dir/data/postmaster.pid" ]; then
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
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

# Where cargo put the release binaries: CARGO_TARGET_DIR if set (a relative one is taken from the repository, where
# build_server runs cargo), else target/.
release_dir() {
  local target="${CARGO_TARGET_DIR:-target}"
  case "$target" in
    /*) ;;
    *) target="$ROOT/$target" ;;
  esac
  echo "$target/release"
}
