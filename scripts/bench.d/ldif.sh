#!/usr/bin/env bash
# LDIF reader vs python-ldap's streaming LDIFParser and OpenLDAP's `ldapadd -n -f`, on the same generated
# AD-style file (1,000,000 users unless BENCH_LDIF_USERS says otherwise), in one run. Installs the peers
# here only: ldap-utils and the python-ldap build dependencies with apt-get, python-ldap in a venv.
set -euo pipefail
cd "$(dirname "$0")/../.."

need=()
for package in ldap-utils libldap2-dev libsasl2-dev python3-venv; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || need+=("$package")
done
if [ ${#need[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "bench: installing ${need[*]}" >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
        || { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
            --no-install-recommends "${need[@]}" >/dev/null; }
fi
venv="$BENCH_DIR/venv-pyldap"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import ldif, ldap" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q python-ldap==3.4.8 >&2
fi
export PYLDAP_PYTHON="$venv/bin/python"
export LDAPADD="$(command -v ldapadd || true)"
python3 scripts/lib/bench_readers.py ldif
