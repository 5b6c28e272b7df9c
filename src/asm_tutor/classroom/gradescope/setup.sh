#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image (choose the Ubuntu 24.04 base
# image: asm-tutor needs Python 3.11 or newer). Written by `asm-tutor pack autograder`.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv bubblewrap build-essential curl ca-certificates
# rustc, as the learners have it: rustup's stable toolchain.
curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --default-toolchain stable
python3 -m venv /opt/asm-tutor
# The wheel shipped beside this script if there is one, else asm-tutor from the package index.
shopt -s nullglob
wheels=("$HERE"/dist/*.whl)
/opt/asm-tutor/bin/pip install --quiet "${wheels[@]:-@@PIP_SPEC@@}"
# Build the grader's test runtime and each exercise's hidden tests now, not in every student's run:
# grading an empty submission builds them (and says whether this machine can grade).
mkdir -p /tmp/asm-tutor-empty
PATH="$HOME/.cargo/bin:$PATH" /opt/asm-tutor/bin/asm-tutor grade /tmp/asm-tutor-empty --one-student \
    --pack "$HERE/pack" --quiet
