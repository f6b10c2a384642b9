#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the external dependencies of bpnn from Debian source packages on
# Debian 12 (bookworm):
#   - Kokkos 3.4.01, shared, Serial and OpenMP back ends, taken from
#     packages/kokkos of bookworm's trilinos source package,
#   - LAMMPS 29 Sep 2021 Update 2, shared, with the KOKKOS, PLUGIN and
#     MANYBODY packages, from bookworm's lammps source package,
#   - LAMMPS 4 Feb 2025, static, with the PLUGIN and MANYBODY packages but
#     without KOKKOS, from trixie's lammps source package.
# Each product is built in its own versioned folder under the cache root and
# counts as finished only when its stamp file exists and records the same
# recipe as this script. Any other folder is deleted and built again, so an
# interrupted run is repaired by running the script again.
# The script writes env.sh into the cache root, for other scripts to source.

set -Eeuo pipefail

readonly SCRIPT_NAME=${0##*/}

readonly TRILINOS_DEB_VERSION=13.2.0-4
readonly KOKKOS_VERSION=3.4.01
readonly LAMMPS2021_DEB_VERSION=20220106.git7586adbb6a+ds1-2
readonly LAMMPS2021_TAG=20210929u2
readonly LAMMPS2025_DEB_VERSION=20250204+dfsg.1-2
readonly LAMMPS2025_TAG=20250204

# Debian suites that provide the source packages above.
readonly SOURCE_SUITES="bookworm trixie"

readonly REQUIRED_PACKAGES=(
  cmake make g++ pkg-config
  libeigen3-dev catch2 libopenmpi-dev openmpi-bin
  dpkg-dev xz-utils gzip tar util-linux debian-archive-keyring
  time
)

readonly STAMP_NAME=bpnn-build.stamp

usage() {
  cat <<EOF
Usage: $SCRIPT_NAME [--no-lammps2025] [--jobs N]

Build Kokkos $KOKKOS_VERSION, LAMMPS 29 Sep 2021 Update 2 and LAMMPS 4 Feb 2025
from Debian source packages and cache the results. Products that are already
built are not built again.

Options:
  --no-lammps2025  skip the LAMMPS 4 Feb 2025 build
  --jobs N         number of parallel compile jobs (default: nproc, here $(nproc))
  -h, --help       show this help

Environment:
  BPNN_DEPS_DIR    cache root (default: /var/cache/bpnn-deps)

Missing apt packages are installed, which requires root. The results are
listed in \$BPNN_DEPS_DIR/env.sh, which exports BPNN_KOKKOS_DIR,
BPNN_LAMMPS2021_SRC, BPNN_LAMMPS2021_BIN and related variables.
EOF
}

# ---------------------------------------------------------------------------
# Messages and error handling

current_step="starting"
current_log=""

log() {
  printf '%s: %s\n' "$SCRIPT_NAME" "$*"
}

die() {
  printf '%s: error: %s\n' "$SCRIPT_NAME" "$*" >&2
  exit 1
}

# Report the step that was running when a command failed outside run_logged.
on_error() {
  local status=$1 line=$2
  printf '%s: error: step "%s" failed (exit status %s, line %s).\n' \
    "$SCRIPT_NAME" "$current_step" "$status" "$line" >&2
  if [[ -n $current_log ]]; then
    printf '%s: see the log %s\n' "$SCRIPT_NAME" "$current_log" >&2
  fi
  printf '%s: fix the cause and run the script again, which starts unfinished builds over.\n' \
    "$SCRIPT_NAME" >&2
}
trap 'on_error $? $LINENO' ERR

# Run a command with its output appended to $current_log. On failure, print
# the end of the log and stop with a message that names the step.
run_logged() {
  local description=$1
  shift
  current_step=$description
  log "  $description"
  printf '\n==> %s\n==> %s\n' "$description" "$*" >>"$current_log"
  local status=0
  "$@" >>"$current_log" 2>&1 || status=$?
  if ((status != 0)); then
    trap - ERR
    if ((status > 128)); then
      die "$description was stopped by signal $((status - 128))." \
        "Run the script again, which starts this build over."
    fi
    printf '%s: last lines of %s:\n' "$SCRIPT_NAME" "$current_log" >&2
    tail -n 40 "$current_log" >&2
    die "$description failed with exit status $status. Full log: $current_log." \
      "Fix the cause and run the script again, which starts this build over."
  fi
}

# ---------------------------------------------------------------------------
# Arguments

build_lammps2025=1
jobs=$(nproc)

while (($# > 0)); do
  case $1 in
    --no-lammps2025)
      build_lammps2025=0
      ;;
    --jobs)
      (($# >= 2)) || die "--jobs requires a value, for example --jobs 2"
      jobs=$2
      shift
      ;;
    --jobs=*)
      jobs=${1#--jobs=}
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      usage >&2
      die "unknown option '$1'"
      ;;
  esac
  shift
done

[[ $jobs =~ ^[1-9][0-9]*$ ]] || die "invalid --jobs value '$jobs': expected a positive integer"

deps_dir=$(realpath -m -- "${BPNN_DEPS_DIR:-/var/cache/bpnn-deps}")
readonly deps_dir
readonly apt_dir=$deps_dir/apt
readonly download_dir=$deps_dir/downloads
readonly kokkos_dir=$deps_dir/kokkos-$KOKKOS_VERSION
readonly lammps2021_dir=$deps_dir/lammps-$LAMMPS2021_TAG
readonly lammps2025_dir=$deps_dir/lammps-$LAMMPS2025_TAG

export DEBIAN_FRONTEND=noninteractive
export LC_ALL=C

# ---------------------------------------------------------------------------
# System packages

is_installed() {
  [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true) == "install ok installed" ]]
}

install_system_packages() {
  current_step="checking apt packages"
  local missing=() package
  for package in "${REQUIRED_PACKAGES[@]}"; do
    is_installed "$package" || missing+=("$package")
  done
  if ((${#missing[@]} == 0)); then
    return
  fi

  if ((EUID != 0)); then
    die "missing apt packages: ${missing[*]}. Run this script as root, or install" \
      "them first with: apt-get install ${missing[*]}"
  fi
  log "installing apt packages: ${missing[*]}"
  current_step="apt-get update"
  apt-get update -q ||
    die "apt-get update failed: is Debian's archive reachable from this machine?"
  current_step="apt-get install"
  apt-get install -y -q --no-install-recommends "${missing[@]}" ||
    die "apt-get install ${missing[*]} failed. See the apt output above."
}

# ---------------------------------------------------------------------------
# Private apt configuration for source packages

# Print the URIs and Signed-By fields of the stanza in the system's deb822
# sources file that lists the release's own suite (e.g. bookworm, not
# bookworm-security). Continuation lines of a field, such as an inline key
# in Signed-By, are printed as they are.
read_system_archive_fields() {
  local sources_file=$1 codename=$2
  awk -v codename="$codename" '
    function reset_stanza() {
      types = ""; suites = ""; enabled = "yes"; uris = ""; signed_by = ""; field = ""
    }
    function finish_stanza() {
      if (!found && uris != "" && enabled != "no" &&
          (" " types " ") ~ / deb / && (" " suites " ") ~ (" " codename " ")) {
        print uris
        if (signed_by != "") print signed_by
        found = 1
      }
      reset_stanza()
    }
    BEGIN { reset_stanza(); found = 0 }
    /^#/ { next }
    /^[ \t]*$/ { finish_stanza(); next }
    /^[ \t]/ {
      if (field == "uris") uris = uris "\n" $0
      else if (field == "signed-by") signed_by = signed_by "\n" $0
      next
    }
    {
      name = tolower(substr($0, 1, index($0, ":") - 1))
      value = substr($0, index($0, ":") + 1)
      gsub(/^[ \t]+|[ \t]+$/, "", value)
      field = name
      if (name == "types") types = value
      else if (name == "suites") suites = value
      else if (name == "enabled") enabled = tolower(value)
      else if (name == "uris") uris = $0
      else if (name == "signed-by") signed_by = $0
    }
    END { finish_stanza() }
  ' "$sources_file"
}

setup_private_apt() {
  current_step="setting up the private apt source list"
  local sources_file=/etc/apt/sources.list.d/debian.sources
  [[ -r $sources_file ]] ||
    die "$sources_file not found: this script copies the archive URIs from" \
      "Debian's deb822 source list (Debian 12 and later)."

  local codename
  codename=$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")
  [[ -n $codename ]] || die "VERSION_CODENAME missing in /etc/os-release"

  local fields
  fields=$(read_system_archive_fields "$sources_file" "$codename")
  [[ $fields == URIs:* ]] ||
    die "no enabled 'Types: deb' stanza with suite $codename and URIs in $sources_file"

  mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial" "$apt_dir/cache"
  {
    printf 'Types: deb-src\n'
    printf '%s\n' "$fields"
    printf 'Suites: %s\n' "$SOURCE_SUITES"
    printf 'Components: main\n'
  } >"$apt_dir/sources.list.d/bpnn-deps.sources"
}

# apt-get with the private source list, index folder and cache, so that the
# system's apt configuration and state stay untouched.
private_apt_get() {
  apt-get \
    -o Dir::Etc::SourceList=/dev/null \
    -o Dir::Etc::SourceParts="$apt_dir/sources.list.d" \
    -o Dir::State::Lists="$apt_dir/lists" \
    -o Dir::Cache="$apt_dir/cache" \
    "$@"
}

private_apt_updated=0

update_private_apt() {
  ((private_apt_updated == 0)) || return 0
  setup_private_apt
  current_step="apt-get update (deb-src $SOURCE_SUITES)"
  log "updating the source package index for $SOURCE_SUITES in $apt_dir"
  private_apt_get update -q --error-on=any >"$apt_dir/update.log" 2>&1 || {
    cat "$apt_dir/update.log" >&2
    die "apt-get update for deb-src $SOURCE_SUITES failed: is Debian's archive" \
      "reachable? Log: $apt_dir/update.log"
  }
  private_apt_updated=1
}

# Download the files of a source package into $download_dir. apt checks the
# hashes of files already there and downloads only what is missing.
download_source_package() {
  local package=$1 version=$2
  shift 2
  update_private_apt
  mkdir -p "$download_dir"
  # apt downloads as the user _apt when it can write to the target folder.
  if ((EUID == 0)) && id _apt >/dev/null 2>&1; then
    chown _apt:root "$download_dir"
  fi
  current_step="apt-get source $package=$version"
  log "downloading source package $package=$version"
  (cd "$download_dir" &&
    private_apt_get source --download-only -q "$@" "$package=$version") \
    >"$download_dir/$package-$version.log" 2>&1 || {
    cat "$download_dir/$package-$version.log" >&2
    die "apt-get source $package=$version failed: is Debian's archive reachable," \
      "and does it still carry this version? Check with: apt-cache showsrc $package" \
      "(using the private source list in $apt_dir/sources.list.d)."
  }
}

# Print the path of the upstream tarball of a downloaded source package.
orig_tarball() {
  local package=$1 version=$2
  local upstream=${version%-*}
  upstream=${upstream#*:}
  local matches=("$download_dir/${package}_${upstream}.orig.tar."*)
  [[ -f ${matches[0]} ]] ||
    die "upstream tarball ${package}_${upstream}.orig.tar.* not found in $download_dir"
  printf '%s\n' "${matches[0]}"
}

# ---------------------------------------------------------------------------
# Stamp files

# A product folder is finished when its stamp contains exactly the recipe text.
is_finished() {
  local product_dir=$1 recipe=$2
  [[ -f $product_dir/$STAMP_NAME ]] && [[ $(<"$product_dir/$STAMP_NAME") == "$recipe" ]]
}

# Delete an unfinished or outdated product folder and create it empty.
start_product() {
  local product_dir=$1
  if [[ -e $product_dir ]]; then
    log "  removing unfinished or outdated $product_dir"
    rm -rf -- "$product_dir"
  fi
  mkdir -p "$product_dir"
  current_log=$product_dir/build.log
  : >"$current_log"
}

finish_product() {
  local product_dir=$1 recipe=$2
  printf '%s\n' "$recipe" >"$product_dir/$STAMP_NAME.tmp"
  mv "$product_dir/$STAMP_NAME.tmp" "$product_dir/$STAMP_NAME"
  current_log=""
}

# ---------------------------------------------------------------------------
# Kokkos

kokkos_cmake_args() {
  printf '%s\n' \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_STANDARD=17 \
    -DCMAKE_CXX_EXTENSIONS=OFF \
    -DBUILD_SHARED_LIBS=ON \
    -DKokkos_ENABLE_SERIAL=ON \
    -DKokkos_ENABLE_OPENMP=ON \
    -DCMAKE_INSTALL_PREFIX="$kokkos_dir/install" \
    -DCMAKE_INSTALL_LIBDIR=lib
}

kokkos_recipe() {
  printf 'kokkos %s from trilinos %s\n' "$KOKKOS_VERSION" "$TRILINOS_DEB_VERSION"
  kokkos_cmake_args
}

build_kokkos() {
  local recipe
  recipe=$(kokkos_recipe)
  if is_finished "$kokkos_dir" "$recipe"; then
    log "Kokkos $KOKKOS_VERSION: already built in $kokkos_dir"
    return
  fi

  local start=$SECONDS
  download_source_package trilinos "$TRILINOS_DEB_VERSION"
  local tarball
  tarball=$(orig_tarball trilinos "$TRILINOS_DEB_VERSION")

  log "Kokkos $KOKKOS_VERSION: building in $kokkos_dir (log: $kokkos_dir/build.log)"
  start_product "$kokkos_dir"
  mkdir -p "$kokkos_dir/source"
  # The trilinos tarball is large, so only packages/kokkos is extracted. The
  # only Debian patch under packages/kokkos removes test declarations, and no
  # tests are built here.
  run_logged "extract packages/kokkos from $(basename "$tarball")" \
    tar -xf "$tarball" -C "$kokkos_dir/source" --strip-components=3 \
    --wildcards '*/packages/kokkos/*'
  [[ -f $kokkos_dir/source/CMakeLists.txt ]] ||
    die "packages/kokkos/CMakeLists.txt not found in $tarball"

  local args
  mapfile -t args < <(kokkos_cmake_args)
  run_logged "configure Kokkos" \
    cmake -S "$kokkos_dir/source" -B "$kokkos_dir/build" "${args[@]}"
  run_logged "compile Kokkos" cmake --build "$kokkos_dir/build" -j "$jobs"
  run_logged "install Kokkos" cmake --install "$kokkos_dir/build"
  [[ -f $kokkos_dir/install/lib/cmake/Kokkos/KokkosConfig.cmake ]] ||
    die "Kokkos install lacks lib/cmake/Kokkos/KokkosConfig.cmake. See $current_log"

  # Only the install tree is used later.
  rm -rf -- "$kokkos_dir/source" "$kokkos_dir/build"
  finish_product "$kokkos_dir" "$recipe"
  log "Kokkos $KOKKOS_VERSION: done in $((SECONDS - start)) s"
}

# ---------------------------------------------------------------------------
# LAMMPS

# Both LAMMPS builds leave out JPEG, PNG and FFMPEG support, so that the
# result does not depend on which of those libraries happen to be installed.
#
# LAMMPS 2021's own LAMMPS_INSTALL_RPATH option leaves the library folder out
# of the run path, because it reads CMAKE_INSTALL_FULL_LIBDIR before
# GNUInstallDirs defines it. So the run path is set here, and USE_LINK_PATH
# adds Kokkos's library folder.
lammps2021_cmake_args() {
  printf '%s\n' \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$lammps2021_dir/install" \
    -DCMAKE_INSTALL_LIBDIR=lib \
    -DBUILD_SHARED_LIBS=ON \
    -DCMAKE_INSTALL_RPATH="$lammps2021_dir/install/lib" \
    -DCMAKE_INSTALL_RPATH_USE_LINK_PATH=ON \
    -DWITH_JPEG=OFF \
    -DWITH_PNG=OFF \
    -DWITH_FFMPEG=OFF \
    -DBUILD_MPI=ON \
    -DBUILD_OMP=ON \
    -DPKG_PLUGIN=ON \
    -DPKG_MANYBODY=ON \
    -DPKG_KOKKOS=ON \
    -DEXTERNAL_KOKKOS=ON \
    -DKokkos_DIR="$kokkos_dir/install/lib/cmake/Kokkos" \
    -DCMAKE_DISABLE_FIND_PACKAGE_Python=ON
}

lammps2025_cmake_args() {
  printf '%s\n' \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_STANDARD=17 \
    -DCMAKE_INSTALL_PREFIX="$lammps2025_dir/install" \
    -DCMAKE_INSTALL_LIBDIR=lib \
    -DBUILD_SHARED_LIBS=OFF \
    -DWITH_JPEG=OFF \
    -DWITH_PNG=OFF \
    -DWITH_FFMPEG=OFF \
    -DBUILD_MPI=ON \
    -DBUILD_OMP=ON \
    -DPKG_PLUGIN=ON \
    -DPKG_MANYBODY=ON \
    -DDOWNLOAD_POTENTIALS=OFF
}

lammps2021_recipe() {
  printf 'lammps %s from Debian lammps %s\n' "$LAMMPS2021_TAG" "$LAMMPS2021_DEB_VERSION"
  lammps2021_cmake_args
  # A rebuilt Kokkos requires a rebuilt LAMMPS.
  kokkos_recipe
}

lammps2025_recipe() {
  printf 'lammps %s from Debian lammps %s\n' "$LAMMPS2025_TAG" "$LAMMPS2025_DEB_VERSION"
  lammps2025_cmake_args
}

# Build one LAMMPS version. The source tree stays in <product>/source and the
# build tree in <product>/build, because plugins compile against the headers
# in source/src.
build_lammps() {
  local label=$1 product_dir=$2 deb_version=$3 recipe=$4 args_function=$5 library=$6
  shift 6
  local apt_source_options=("$@")

  if is_finished "$product_dir" "$recipe"; then
    log "LAMMPS $label: already built in $product_dir"
    return
  fi

  local start=$SECONDS
  download_source_package lammps "$deb_version" "${apt_source_options[@]}"
  local tarball
  tarball=$(orig_tarball lammps "$deb_version")

  log "LAMMPS $label: building in $product_dir (log: $product_dir/build.log)"
  start_product "$product_dir"
  mkdir -p "$product_dir/source"
  # Debian's patches (debian/patches) change only packaging details: a fixed
  # potentials path under /usr/share, install rules, the documentation build
  # and the Makefile of tools/phonon. So the upstream tarball is used as it is.
  run_logged "extract $(basename "$tarball")" \
    tar -xf "$tarball" -C "$product_dir/source" --strip-components=1
  [[ -f $product_dir/source/cmake/CMakeLists.txt ]] ||
    die "cmake/CMakeLists.txt not found in $tarball"

  local args
  mapfile -t args < <("$args_function")
  run_logged "configure LAMMPS $label" \
    cmake -S "$product_dir/source/cmake" -B "$product_dir/build" "${args[@]}"
  run_logged "compile LAMMPS $label" cmake --build "$product_dir/build" -j "$jobs"
  run_logged "install LAMMPS $label" cmake --install "$product_dir/build"
  [[ -x $product_dir/install/bin/lmp ]] ||
    die "LAMMPS $label install lacks bin/lmp. See $current_log"
  [[ -f $library ]] || die "LAMMPS $label build lacks $library. See $current_log"
  run_logged "run lmp -h of LAMMPS $label" "$product_dir/install/bin/lmp" -h

  finish_product "$product_dir" "$recipe"
  log "LAMMPS $label: done in $((SECONDS - start)) s"
}

# ---------------------------------------------------------------------------
# env.sh

# LAMMPS installs its library only when it is shared, so the static library
# of the 2025 build is listed where the build left it.
write_lammps_env() {
  local name=$1 product_dir=$2 library=$3
  cat <<EOF
export BPNN_${name}_ROOT='$product_dir/source'
export BPNN_${name}_SRC='$product_dir/source/src'
export BPNN_${name}_BUILD='$product_dir/build'
export BPNN_${name}_PREFIX='$product_dir/install'
export BPNN_${name}_BIN='$product_dir/install/bin/lmp'
export BPNN_${name}_LIBDIR='$(dirname "$library")'
export BPNN_${name}_LIBRARY='$library'
EOF
}

# Write env.sh with every finished product, including ones this run skipped.
write_env_file() {
  current_step="writing $deps_dir/env.sh"
  local env_file=$deps_dir/env.sh
  {
    printf '# Paths of the dependencies built by tools/build-deps.sh. Source this file.\n'
    printf "export BPNN_DEPS_DIR='%s'\n" "$deps_dir"
    if is_finished "$kokkos_dir" "$(kokkos_recipe)"; then
      printf "export BPNN_KOKKOS_DIR='%s'\n" "$kokkos_dir/install"
      printf "export BPNN_KOKKOS_CMAKE_DIR='%s'\n" "$kokkos_dir/install/lib/cmake/Kokkos"
    fi
    if is_finished "$lammps2021_dir" "$(lammps2021_recipe)"; then
      write_lammps_env LAMMPS2021 "$lammps2021_dir" "$lammps2021_dir/install/lib/liblammps.so"
    fi
    if is_finished "$lammps2025_dir" "$(lammps2025_recipe)"; then
      write_lammps_env LAMMPS2025 "$lammps2025_dir" "$lammps2025_dir/build/liblammps.a"
    else
      printf '# LAMMPS %s is not built (tools/build-deps.sh --no-lammps2025).\n' \
        "$LAMMPS2025_TAG"
    fi
  } >"$env_file.tmp"
  mv "$env_file.tmp" "$env_file"
}

# ---------------------------------------------------------------------------
# Main

main() {
  local start=$SECONDS

  install_system_packages

  current_step="creating $deps_dir"
  mkdir -p "$deps_dir" ||
    die "failed to create the cache root $deps_dir. Set BPNN_DEPS_DIR to a writable folder."

  # Serialize concurrent runs that share the cache root.
  current_step="locking $deps_dir"
  exec 9>"$deps_dir/.lock"
  if ! flock -n 9; then
    log "waiting for another $SCRIPT_NAME run that holds $deps_dir/.lock"
    flock 9
  fi

  build_kokkos
  build_lammps "29 Sep 2021 Update 2" "$lammps2021_dir" "$LAMMPS2021_DEB_VERSION" \
    "$(lammps2021_recipe)" lammps2021_cmake_args "$lammps2021_dir/install/lib/liblammps.so"
  if ((build_lammps2025)); then
    # trixie's archive lacks the .dsc of this version, so only the tarballs
    # are fetched.
    build_lammps "4 Feb 2025" "$lammps2025_dir" "$LAMMPS2025_DEB_VERSION" \
      "$(lammps2025_recipe)" lammps2025_cmake_args "$lammps2025_dir/build/liblammps.a" \
      --tar-only
  fi

  write_env_file

  log "finished in $((SECONDS - start)) s. Results (also in $deps_dir/env.sh):"
  sed -n 's/^export //p' "$deps_dir/env.sh"
}

main
