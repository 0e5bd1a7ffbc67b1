#!/bin/sh
# Runs a command inside an unpacked image the way Kubernetes runs our pods: read-only root filesystem,
# a fresh writable /tmp, the model bundle mounted read-only, as the image's unprivileged user, with
# only the image's environment. Run under `unshare -m` (as root) so that the mounts stay private.
#   run-in-image.sh ROOTFS BUNDLE UID:GID WORKDIR [VAR=value ...] -- COMMAND [ARG ...]
set -e
rootfs=$1 bundle=$2 user=$3 workdir=$4
shift 4
mount --make-rprivate /
mount --bind "$rootfs" "$rootfs"
mount -t tmpfs -o mode=1777,size=512m tmpfs "$rootfs/tmp"
mount --rbind /dev "$rootfs/dev"
mount -t proc proc "$rootfs/proc"
mount --bind "$bundle" "$rootfs/models/bundle"
mount -o remount,bind,ro "$rootfs/models/bundle"
mount -o remount,bind,ro "$rootfs"
env=""
while [ "$1" != "--" ]; do
  env="$env $1"
  shift
done
shift
# shellcheck disable=SC2086 # the environment is a list of words
exec chroot --userspec="$user" "$rootfs" /usr/bin/env -i -C "$workdir" $env "$@"
