# Shared setup steps for scripts/up and scripts/test. Each step is idempotent and skips work already done.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RASA_VERSION="3.6.21"
APP_VENV="$ROOT/.venv"
# Rasa's environment is big (2.7 GB) and the same for every checkout, so it lives in a per-user cache.
RASA_VENV="${SHOPCHAT_RASA_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/shopchat/rasa-$RASA_VERSION}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root for: $*"; fi
}

apt_install() {
    command -v apt-get >/dev/null || die "please install: $* (no apt-get on this machine)"
    say "installing $* with apt-get"
    if [ -z "${_APT_UPDATED:-}" ]; then as_root apt-get update -qq; _APT_UPDATED=1; fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# find_python 3.11: an interpreter of exactly that version, from PATH, pyenv or /usr/bin.
find_python() {
    local want="$1" candidate
    for candidate in "python$want" "$(command -v pyenv >/dev/null && pyenv root 2>/dev/null)"/versions/"$want".*/bin/"python$want" "/usr/bin/python$want" "/usr/local/bin/python$want"; do
        [ -n "$candidate" ] || continue
        if "$candidate" -c "import sys; assert sys.version_info[:2] == tuple(map(int, '$want'.split('.')))" >/dev/null 2>&1; then
            command -v "$candidate" 2>/dev/null || echo "$candidate"
            return 0
        fi
    done
    return 1
}

stamp_ok() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }
hash_files() { cat "$@" | sha256sum | cut -c1-16; }

setup_app() {
    local py stamp want
    py="$(find_python 3.11)" || die "Python 3.11 is required for the chat server and was not found (python3.11 on PATH, pyenv, or /usr/bin). Install it, e.g. 'apt-get install python3.11 python3.11-venv' or 'pyenv install 3.11'."
    stamp="$APP_VENV/.shopchat-stamp"
    want="$(hash_files "$ROOT/pyproject.toml")"
    if [ ! -x "$APP_VENV/bin/python" ]; then
        say "creating the app environment (.venv, Python 3.11)"
        "$py" -m venv "$APP_VENV" || die "could not create a venv with $py (on Debian: apt-get install python3.11-venv)"
    fi
    if ! stamp_ok "$stamp" "$want"; then
        say "installing the chat server and its test tools into .venv"
        "$APP_VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
        "$APP_VENV/bin/python" -m pip install -q -e "$ROOT[test]" || die "pip install of the app failed"
        echo "$want" > "$stamp"
    fi
}

setup_rasa() {
    local py stamp want
    py="$(find_python 3.10)" || die "Python 3.10 is required for Rasa $RASA_VERSION and was not found (python3.10 on PATH, pyenv, or /usr/bin). Install it, e.g. 'pyenv install 3.10' or your distribution's python3.10 package."
    stamp="$RASA_VENV/.shopchat-stamp"
    want="rasa==$RASA_VERSION $(hash_files "$ROOT/bot/requirements-actions.txt")"
    if ! stamp_ok "$stamp" "$want"; then
        say "installing Rasa $RASA_VERSION into $RASA_VENV (Python 3.10; takes about 5 minutes the first time)"
        [ -x "$RASA_VENV/bin/python" ] || "$py" -m venv "$RASA_VENV" || die "could not create a venv with $py"
        "$RASA_VENV/bin/python" -m pip install -q --upgrade pip "setuptools<70" wheel >/dev/null
        "$RASA_VENV/bin/python" -m pip install -q "rasa==$RASA_VERSION" -r "$ROOT/bot/requirements-actions.txt" || die "pip install rasa==$RASA_VERSION failed"
        echo "$want" > "$stamp"
    fi
    export SHOPCHAT_RASA_BIN="$RASA_VENV/bin/rasa"
}

setup_widget() {
    if ! command -v npm >/dev/null; then apt_install nodejs npm; fi
    local stamp="$ROOT/widgets/node_modules/.shopchat-stamp" want
    want="$(hash_files "$ROOT/widgets/package-lock.json")"
    if ! stamp_ok "$stamp" "$want"; then
        say "installing the widget's build tools (npm ci)"
        (cd "$ROOT/widgets" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed in widgets/"
        echo "$want" > "$stamp"
    fi
    say "building the widget"
    (cd "$ROOT/widgets" && npm run --silent build) || die "the widget build failed"
}

# Train only when the training data or config changed: the model is named after their hash.
train_bot() {
    local bot="$ROOT/bot" digest model
    digest="$(cd "$bot" && find config.yml domain.yml data components -type f -name "*.y*ml" -o -type f -name "*.py" -path "components/*" | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-12)"
    model="$bot/models/shop-$digest.tar.gz"
    if [ ! -f "$model" ]; then
        say "training the Rasa model (six languages; about two minutes on 2 cores)"
        local started=$SECONDS
        (cd "$bot" && RASA_TELEMETRY_ENABLED=false "$RASA_VENV/bin/rasa" train --fixed-model-name "shop-$digest" --out models) \
            || die "rasa train failed"
        say "trained in $((SECONDS - started)) s"
        find "$bot/models" -name 'shop-*.tar.gz' ! -name "shop-$digest.tar.gz" -delete
    fi
    export SHOPCHAT_RASA_MODEL="$model"
}

ensure_postgres() {
    if ! command -v pg_ctlcluster >/dev/null && ! command -v psql >/dev/null; then
        apt_install postgresql
        # A machine we installed PostgreSQL on ourselves: let local test connections in without a password.
        local hba; hba="$(ls /etc/postgresql/*/main/pg_hba.conf | head -1)"
        as_root sed -i -E 's/^(host\s+all\s+all\s+127\.0\.0\.1\/32\s+)\S+/\1trust/' "$hba"
    fi
    if ! pg_isready -q -h 127.0.0.1 -p 5432; then
        say "starting PostgreSQL"
        as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || die "could not start PostgreSQL"
        for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    fi
    pg_isready -q -h 127.0.0.1 -p 5432 || die "PostgreSQL is not accepting connections on 127.0.0.1:5432"
    if ! psql -h 127.0.0.1 -U postgres -d test -c 'select 1' >/dev/null 2>&1; then
        as_root su postgres -c "createdb test" >/dev/null 2>&1 || true
    fi
}

ensure_redis() {
    command -v redis-server >/dev/null || apt_install redis-server
    if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
        say "starting Redis"
        redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null || die "could not start Redis"
        for _ in $(seq 20); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
    fi
}

ensure_chromium() {
    [ -x /usr/bin/chromium ] || apt_install chromium
}
