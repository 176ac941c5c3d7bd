#!/usr/bin/env bash
# Peer baselines (NumPy with OpenBLAS, PyTorch CPU) for the same workloads as Flint's benchmarks.
#
#   benchmarks/scripts/peers.sh [--only LIST] [quick|full] [OUT.json] [native|avx512|avx2]
#
# --only LIST: only the workloads LIST names, comma-separated ids or id prefixes (peers.py --only),
# for example copy/,relu_,softmax_fwd/4096x4096: run.sh's paired rounds. Default: every workload.
#
# Installs what is missing with apt-get (Debian's python3-numpy, python3-torch, and OpenBLAS:
# without libopenblas0-pthread, Debian's NumPy runs on the slow reference BLAS). They are Debian
# packages, so this runs the system /usr/bin/python3, not a pyenv python3 that may come first on PATH.
#
# The instruction set (default native, the processor's own; avx512 means the same): avx2 runs the
# peers as they run on an AVX2-only machine, OpenBLAS on its Haswell kernels
# (OPENBLAS_CORETYPE=Haswell), PyTorch's own kernels at ATEN_CPU_CAPABILITY=avx2 (peers.py) and
# oneDNN's convolutions at DNNL_MAX_CPU_ISA=AVX2.
#
# Otherwise OPENBLAS_CORETYPE is unset, and OPENBLAS_L2_SIZE always, for this command only: where the
# environment sets them (older OpenBLAS builds need them on some processors) they halve OpenBLAS's
# speed here. peers.py records which OpenBLAS core then runs.
set -euo pipefail

usage="usage: $0 [--only LIST] [quick|full] [OUT.json] [native|avx512|avx2]"
only=()
positional=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    --only) [ "$#" -ge 2 ] || { echo "$usage" >&2; exit 2; }; only=(--only "$2"); shift 2 ;;
    --only=*) only=(--only "${1#--only=}"); shift ;;
    -*) echo "$usage" >&2; exit 2 ;;
    *) positional+=("$1"); shift ;;
  esac
done
set -- "${positional[@]+"${positional[@]}"}"

mode="${1:-quick}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${2:-$here/../results/peers-$mode.json}"
isa="${3:-native}"
py=/usr/bin/python3

case "$mode" in
  quick|full) ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
case "$isa" in
  native|avx512) isa_env=(-u OPENBLAS_CORETYPE -u DNNL_MAX_CPU_ISA -u ONEDNN_MAX_CPU_ISA) ;;
  avx2) isa_env=(OPENBLAS_CORETYPE=Haswell DNNL_MAX_CPU_ISA=AVX2 ONEDNN_MAX_CPU_ISA=AVX2) ;;
  *) echo "$usage" >&2; exit 2 ;;
esac

missing=()
[ -x "$py" ] || missing+=(python3)
"$py" -c 'import numpy' 2>/dev/null || missing+=(python3-numpy)
"$py" -c 'import torch' 2>/dev/null || missing+=(python3-torch)
[ -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ] || \
  ls /usr/lib/*/openblas-pthread/libblas.so.3 >/dev/null 2>&1 || missing+=(libopenblas0-pthread)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "peers: installing ${missing[*]} with apt-get (python3-torch is large: a few minutes)" >&2
  if [ "$(id -u)" -ne 0 ]; then
    echo "peers: need root for apt-get install ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
fi

mkdir -p "$(dirname "$out")"
env -u OPENBLAS_L2_SIZE "${isa_env[@]}" "$py" "$here/peers.py" --mode "$mode" --isa "$isa" "${only[@]+"${only[@]}"}" --out "$out"
echo "peers: wrote $out" >&2
