#!/usr/bin/env bash
# Installs the peers the bench/ programs compare against (not needed to
# build or test libgenre). Run as root (or with sudo available).
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
packages=(python3-pandas python3-sklearn python3-torch libfann-dev)
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "install-bench-deps: ${packages[*]} present"
