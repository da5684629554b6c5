#!/usr/bin/env bash
# Builds llama.cpp's llama-server from the source shipped in the npm package node-llama-cpp and
# writes a tiny random-weight llama model, for the tests of model serving (VllmIT, GatewayIT, LlamaCppIT),
# run by the itest module before its tests (skipped with -DskipTests; -DnoLlama leaves it out).
#
# Usage: itest/llama/build.sh OUTDIR
#   OUTDIR/bin/llama-server   the server (OpenAI-compatible: /health, /v1/models, /v1/completions, ...)
#   OUTDIR/bin/vllm           a `vllm serve` stand-in that runs llama-server (a copy of itest/llama/vllm)
#   OUTDIR/tiny.gguf          a random-weight llama (output is gibberish: assert structure only)
# Idempotent: does nothing when both already exist.
#
# Needs (Debian): cmake g++ make git python3 python3-numpy npm (Node.js), and the npm registry.
#   apt-get install -y cmake g++ make git python3-numpy npm
# Environment: LLAMA_JOBS (make parallelism, default 2), NODE_LLAMA_CPP_VERSION (default 3.21).
set -euo pipefail

out=${1:?usage: build.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
jobs=${LLAMA_JOBS:-2}
version=${NODE_LLAMA_CPP_VERSION:-3.21}

install_shim() {
  cp "$here/vllm" "$out/bin/vllm.tmp" && chmod +x "$out/bin/vllm.tmp" && mv "$out/bin/vllm.tmp" "$out/bin/vllm"
}

if [[ -x $out/bin/llama-server && -s $out/tiny.gguf ]]; then
  install_shim # cheap, and keeps the shim current
  echo "llama: $out already has bin/llama-server and tiny.gguf"
  exit 0
fi

for tool in cmake g++ make git npm python3; do
  command -v "$tool" >/dev/null || { echo "llama: $tool is missing (apt-get install -y cmake g++ make git python3-numpy npm)" >&2; exit 1; }
done

work=$out/work
mkdir -p "$work"

# 1. The llama.cpp source: a git bundle inside node-llama-cpp.
if [[ ! -d $work/src/.git ]]; then
  rm -rf "$work/pkg" "$work/src"
  mkdir -p "$work/pkg"
  (cd "$work/pkg" && npm pack --silent "node-llama-cpp@$version" >/dev/null)
  tar -xzf "$work"/pkg/node-llama-cpp-*.tgz -C "$work/pkg" package/llama/gitRelease.bundle
  git -c advice.detachedHead=false clone --quiet "$work/pkg/package/llama/gitRelease.bundle" "$work/src.tmp"
  mv "$work/src.tmp" "$work/src"
  rm -rf "$work/pkg"
fi

# 2. llama-server, CPU only, portable (no -march=native), no libcurl.
if [[ ! -x $out/bin/llama-server ]]; then
  cmake -S "$work/src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF \
    -DGGML_NATIVE=OFF -DBUILD_SHARED_LIBS=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
    -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF >"$work/cmake.log"
  cmake --build "$work/build" --target llama-server -j "$jobs" >"$work/build.log" \
    || { tail -40 "$work/build.log" >&2; exit 1; }
  mkdir -p "$out/bin"
  cp "$work/build/bin/llama-server" "$out/bin/llama-server.tmp"
  mv "$out/bin/llama-server.tmp" "$out/bin/llama-server"
fi

# 3. The model, written with the gguf-py of the same source (by a python3 that has NumPy: the one
#    on PATH, or Debian's when the one on PATH is another's without it).
if [[ ! -s $out/tiny.gguf ]]; then
  py=python3
  if ! python3 -c 'import numpy' 2>/dev/null && /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
    py=/usr/bin/python3
  fi
  PYTHONPATH="$work/src/gguf-py" "$py" "$here/tiny_model.py" "$out/tiny.gguf.tmp"
  mv "$out/tiny.gguf.tmp" "$out/tiny.gguf"
fi
install_shim
echo "llama: built $out/bin/llama-server and $out/tiny.gguf"
