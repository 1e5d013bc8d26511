#!/usr/bin/env bash
# System packages the Python dependencies need to build where no wheel exists
# (PyICU, used by followthemoney's name normalisation, compiles against libicu), the browser
# the web application's tests run in, and the Java runtime that pyspark (the Spark engine,
# `dualcheck spark ...`) starts: Java 17 or later.
set -euo pipefail
missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
pkg-config --exists icu-i18n 2>/dev/null || missing+=(libicu-dev)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
# the web application's end-to-end tests drive Debian's headless Chromium through its driver
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
fc-list 2>/dev/null | grep -qi dejavu || missing+=(fonts-dejavu-core)
# pg_dump / pg_restore for `dualcheck db backup|restore` on PostgreSQL
command -v pg_dump >/dev/null 2>&1 && command -v pg_restore >/dev/null 2>&1 || missing+=(postgresql-client)
java_major() { java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1; }
if ! command -v java >/dev/null 2>&1 || [ "$(java_major)" -lt 17 ] 2>/dev/null; then
  missing+=(openjdk-17-jre-headless)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
echo "system-deps: installing ${missing[*]} from Debian packages" >&2
sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
# slim images drop the man folders, and the JRE's post-install step links into them
case " ${missing[*]} " in *" openjdk-17-jre-headless "*) $sudo mkdir -p /usr/share/man/man1 ;; esac
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
