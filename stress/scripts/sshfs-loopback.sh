#!/usr/bin/env bash
# Mounts a network-like filesystem on this machine: sshfs (FUSE, SFTP) over an sshd listening on
# 127.0.0.1 only, for running the stress harness where no NFS client exists (docs/nfs.md).
#   sshfs-loopback.sh up   DIR   -> DIR/export is served, DIR/mnt is the sshfs mount of it
#   sshfs-loopback.sh down DIR   -> unmounts and stops that sshd
# Needs root, /dev/fuse, and the Debian packages sshfs and openssh-server (installed if missing).
set -euo pipefail
action=${1:?up or down}
dir=$(realpath -m "${2:?directory}")
port=${SSHFS_PORT:-2222}

case "$action" in
  up)
    command -v sshfs >/dev/null && command -v /usr/sbin/sshd >/dev/null || {
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sshfs openssh-server; }
    mkdir -p "$dir/export" "$dir/mnt" "$dir/ssh" /run/sshd
    [ -f "$dir/ssh/host_key" ] || ssh-keygen -q -t ed25519 -N "" -f "$dir/ssh/host_key"
    [ -f "$dir/ssh/client_key" ] || ssh-keygen -q -t ed25519 -N "" -f "$dir/ssh/client_key"
    cat > "$dir/ssh/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $dir/ssh/host_key
PubkeyAuthentication yes
PasswordAuthentication no
PermitRootLogin prohibit-password
AuthorizedKeysFile $dir/ssh/client_key.pub
StrictModes no
Subsystem sftp internal-sftp
PidFile $dir/ssh/sshd.pid
CONF
    /usr/sbin/sshd -f "$dir/ssh/sshd_config"
    sshfs -p "$port" -o "IdentityFile=$dir/ssh/client_key,StrictHostKeyChecking=no,UserKnownHostsFile=/dev/null" \
      "root@127.0.0.1:$dir/export" "$dir/mnt"
    echo "mounted: $dir/mnt (sshfs of $dir/export over 127.0.0.1:$port)"
    ;;
  down)
    fusermount -u "$dir/mnt" 2>/dev/null || umount "$dir/mnt" || true
    [ -f "$dir/ssh/sshd.pid" ] && kill "$(cat "$dir/ssh/sshd.pid")" || true
    ;;
  *) echo "usage: $0 up|down DIR" >&2; exit 2 ;;
esac
