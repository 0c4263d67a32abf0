#!/usr/bin/env bash
# PyAthena's own test suite, unchanged, against the local Athena: an acceptance run per engine.
#
#   bench/pyathena_suite.sh PATH [ENGINE...]     # PATH: a checkout of github.com/pyathena-dev/PyAthena
#
# For each engine (default: duckdb, and trino when the harness has it) this starts the embedded local
# AWS (`python -m harness.local.aws`) with LAKEHOUSE_ATHENA_ENGINE=<engine>, creates what PyAthena's
# tests expect (a staging bucket, a workgroup with a result location, the env vars of tests/__init__.py),
# runs `pytest tests/pyathena` from the checkout with at most 2 workers, Spark tests excluded, and
# prints the pass/fail counts. PyAthena's own session setup creates its schema and tables through the
# local Athena (CREATE DATABASE, CREATE EXTERNAL TABLE, CREATE VIEW). Nothing of PyAthena is copied
# into this repository: its dependencies go into a separate virtualenv under .work/.
#
# Environment: PYATHENA_WORKERS (default 2), PYATHENA_PYTEST_ARGS (extra pytest arguments),
# PYATHENA_VENV (default .work/pyathena-venv). Per-engine logs and JUnit XML go to .work/pyathena/.
set -euo pipefail

if [[ $# -lt 1 || ! -d "$1/tests/pyathena" ]]; then
    echo "usage: bench/pyathena_suite.sh PATH_TO_PYATHENA_CHECKOUT [duckdb|trino ...]" >&2
    exit 2
fi
CHECKOUT="$(cd "$1" && pwd)"
shift
REPO="$(cd "$(dirname "$0")/.." && pwd)"
PY="$REPO/.venv/bin/python"
[[ -x "$PY" ]] || { echo "run 'make venv' first ($PY missing)" >&2; exit 2; }
WORK="$REPO/.work/pyathena"
VENV="${PYATHENA_VENV:-$REPO/.work/pyathena-venv}"
WORKERS="${PYATHENA_WORKERS:-2}"
mkdir -p "$WORK"

if [[ $# -gt 0 ]]; then
    ENGINES=("$@")
else
    ENGINES=(duckdb)
    if "$PY" -c "import harness.local.athena.trino" 2>/dev/null; then ENGINES+=(trino); fi
fi

if [[ ! -x "$VENV/bin/pytest" ]]; then
    echo "[pyathena] creating $VENV (PyAthena with its test dependencies, at the versions of its uv.lock)" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q packaging
    # PyAthena's own lock file pins what its tests were written against (polars, pandas, pyarrow, ...).
    "$VENV/bin/python" - "$CHECKOUT/uv.lock" >"$WORK/constraints.txt" <<'EOF'
import sys, tomllib
from packaging.markers import Marker
packages = tomllib.load(open(sys.argv[1], "rb")).get("package", [])
for p in packages:
    if "version" not in p or not p.get("source", {}).get("registry"):
        continue
    markers = p.get("resolution-markers")
    if markers and not any(Marker(m).evaluate() for m in markers):
        continue  # the entry for another Python version
    print(f"{p['name']}=={p['version']}")
EOF
    "$VENV/bin/pip" install -q -c "$WORK/constraints.txt" -e "$CHECKOUT[sqlalchemy,aiosqlalchemy,pandas,arrow,polars]" \
        Jinja2 pytest pytest-asyncio pytest-xdist pytest-dependency
fi

# PyAthena's Arrow/Polars result sets open S3 with pyarrow's S3FileSystem, which (unlike boto3) ignores
# AWS_ENDPOINT_URL. A startup hook in the test virtualenv gives it the same endpoint; PyAthena's code and
# tests stay as they are.
SITE="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
cat >"$SITE/_lakehouse_pyarrow_endpoint.py" <<'EOF'
"""Makes pyarrow's S3FileSystem honour AWS_ENDPOINT_URL(_S3) as boto3 does (bench/pyathena_suite.sh)."""
import os
from urllib.parse import urlparse


def _install():
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        return
    try:
        from pyarrow import fs
    except ImportError:
        return
    base = fs.S3FileSystem
    url = urlparse(endpoint)

    class S3FileSystem(base):
        def __init__(self, *args, **kwargs):
            if not kwargs.get("endpoint_override"):
                kwargs["endpoint_override"] = url.netloc
                kwargs.setdefault("scheme", url.scheme or "http")
            super().__init__(*args, **kwargs)

    fs.S3FileSystem = S3FileSystem


_install()
EOF
echo "import _lakehouse_pyarrow_endpoint" >"$SITE/_lakehouse_pyarrow_endpoint.pth"

run_engine() {
    local engine="$1"
    if [[ "$engine" != duckdb ]] && ! "$PY" -c "import harness.local.athena.$engine" 2>/dev/null; then
        echo "[pyathena] this checkout of the harness has no '$engine' engine (harness/local/athena/$engine/)" >&2
        return 1
    fi
    local log="$WORK/$engine.log" xml="$WORK/$engine.xml" aws_out="$WORK/$engine.aws.out"
    : >"$aws_out"
    (cd "$REPO" && LAKEHOUSE_ATHENA_ENGINE="$engine" exec "$PY" -m harness.local.aws --port 0) \
        >"$aws_out" 2>"$WORK/$engine.aws.log" &
    local aws_pid=$!
    trap 'kill "$aws_pid" 2>/dev/null || true' RETURN
    for _ in $(seq 1 1200); do
        [[ -s "$aws_out" ]] && break
        kill -0 "$aws_pid" 2>/dev/null || { echo "[pyathena] local AWS died, see $WORK/$engine.aws.log" >&2; return 1; }
        sleep 0.1
    done
    local endpoints
    endpoints="$(head -n1 "$aws_out")"
    # Staging bucket and workgroups as PyAthena's tests/__init__.py expects them.
    local env_lines
    env_lines="$("$PY" - "$endpoints" <<'EOF'
import json, sys, uuid
import boto3
ep = json.loads(sys.argv[1])
creds = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}
bucket = f"pyathena-staging-{uuid.uuid4().hex[:8]}"
boto3.client("s3", endpoint_url=ep["aws"], **creds).create_bucket(Bucket=bucket)
staging = f"s3://{bucket}/staging/"
athena = boto3.client("athena", endpoint_url=ep["athena"], **creds)
athena.create_work_group(
    Name="pyathena-test",
    Configuration={"ResultConfiguration": {"OutputLocation": staging}, "EnforceWorkGroupConfiguration": False},
)
# Every Athena account has the Glue database `default`; PyAthena's reflection tests expect it.
boto3.client("glue", endpoint_url=ep["aws"], **creds).create_database(DatabaseInput={"Name": "default"})
print(f"AWS_ENDPOINT_URL={ep['aws']}")
print(f"AWS_ENDPOINT_URL_ATHENA={ep['athena']}")
print(f"AWS_ATHENA_S3_STAGING_DIR={staging}")
EOF
)"
    echo "[pyathena] $engine: running tests/pyathena (spark excluded, $WORKERS workers)" >&2
    local rc=0
    (
        cd "$CHECKOUT"
        while IFS= read -r line; do export "${line?}"; done <<<"$env_lines"
        export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
        export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
        export AWS_ATHENA_WORKGROUP=pyathena-test AWS_ATHENA_SPARK_WORKGROUP=pyathena-spark-unused
        # shellcheck disable=SC2086
        "$VENV/bin/pytest" tests/pyathena --ignore=tests/pyathena/spark --ignore=tests/pyathena/aio/spark \
            -p no:cacheprovider -q \
            -n "$WORKERS" --junitxml="$xml" ${PYATHENA_PYTEST_ARGS:-} >"$log" 2>&1
    ) || rc=$?
    "$PY" - "$engine" "$xml" <<'EOF'
import sys
import xml.etree.ElementTree as ET
engine, path = sys.argv[1], sys.argv[2]
counts = {"passed": 0, "failed": 0, "error": 0, "skipped": 0}
for case in ET.parse(path).getroot().iter("testcase"):
    kinds = {child.tag for child in case}
    kind = "failed" if "failure" in kinds else "error" if "error" in kinds else "skipped" if "skipped" in kinds else "passed"
    counts[kind] += 1
ran = counts["passed"] + counts["failed"] + counts["error"]
share = 100.0 * counts["passed"] / ran if ran else 0.0
print(
    f"pyathena {engine}: {counts['passed']} passed, {counts['failed']} failed, {counts['error']} errors, "
    f"{counts['skipped']} skipped; {share:.1f} % of {ran} run passed"
)
EOF
    return 0
}

status=0
for engine in "${ENGINES[@]}"; do
    run_engine "$engine" || status=1
done
exit "$status"
