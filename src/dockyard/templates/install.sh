set -eu
without_wheelhouse() {
    status=$?
    if [ "$status" -ne 0 ]; then
        echo "dockyard: the install failed with no wheelhouse for this @@LOCK@@: where no package index is reachable, run dockyard wheels (it loads docker/wheels into the build cache, which a builder may drop)" >&2
    fi
}
step="$1"
kind="$2"
reqs=requirements.txt
if [ "$kind" = dev ]; then reqs=requirements-dev.txt; fi
tools=/root/.cache/dockyard
wheels="/tmp/wheelhouse/$(sha256sum @@LOCK@@ | cut -d " " -f 1)"
set --
if [ -f "$wheels/$reqs" ]; then
    set -- --no-index --find-links "$wheels"
elif [ "$step" = deps ]; then
    if [ -n "$(ls -A /tmp/wheelhouse)" ]; then
        echo "dockyard: no wheelhouse for this @@LOCK@@ in the build cache (dockyard wheels): using the index"
    fi
    trap without_wheelhouse EXIT
fi
uv="$(command -v uv || true)"
if [ -z "$uv" ] && [ -x "$tools/uv/bin/uv" ]; then uv="$tools/uv/bin/uv"; fi
if [ -z "$uv" ] && python3 -m venv "$tools/uv" && "$tools/uv/bin/pip" install -q "$@" uv >/dev/null 2>&1; then
    uv="$tools/uv/bin/uv"
fi
pip="python3 -m pip"
if [ -z "$uv" ] && ! python3 -m pip --version >/dev/null 2>&1; then
    python3 -m venv "$tools/pip"
    pip="$tools/pip/bin/pip"
fi
if [ "$step" = project ]; then
    if grep -q "^\[build-system\]" pyproject.toml; then
        editable=""
        if [ "$kind" = dev ]; then editable=-e; fi
        if [ -n "$uv" ]; then
            "$uv" pip install --python /opt/venv/bin/python --no-deps "$@" $editable .
        else
            $pip --python /opt/venv/bin/python install --no-deps "$@" $editable .
        fi
    else
        site=$(python3 -c "import site; print(site.getsitepackages()[0])")
        if [ -d src ]; then path=/app/src; else path=/app; fi
        echo "$path" > "$site/dockyard-project.pth"
        echo "dockyard: no [build-system] in pyproject.toml: $path is put on the path"
    fi
    find /opt/venv /app -xdev ! -user "$HOST_UID" -exec chown -h "$HOST_UID:$HOST_GID" {} +
    exit 0
fi
if [ "$#" -gt 0 ]; then
    echo "dockyard: installing from the wheelhouse in the build cache (no index)"
    cp "$wheels/$reqs" /tmp/requirements.txt
else
@@EXPORT@@
fi
if [ -n "$uv" ]; then
@@INSTALL@@
else
    python3 -m venv --without-pip /opt/venv
    if grep -q "^[^#[:space:]]" /tmp/requirements.txt; then
        echo "dockyard: no uv here: installing with pip"
        $pip --python /opt/venv/bin/python install "$@" -r /tmp/requirements.txt
    fi
fi
@@APPLICATION@@
chown -R "$HOST_UID:$HOST_GID" /opt/venv
