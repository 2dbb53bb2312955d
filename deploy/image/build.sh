#!/usr/bin/env bash
# Builds the AE Bridge OCI image with no image registry: a Debian bookworm base made by debootstrap from Debian
# packages (+ openjdk-17-jre-headless), then the application layered on it with buildah. Run as root (debootstrap
# and buildah need it). Needs: debootstrap buildah podman runc (Debian packages), Maven for the jar.
#
#   deploy/image/build.sh                  # → localhost/aebridge:<version> and :latest in podman's storage
#   deploy/image/build.sh --save FILE      # … and an OCI archive (podman load -i FILE / skopeo copy oci-archive:FILE)
#
# Reproducible: every file in both layers carries the same fixed time (SOURCE_DATE_EPOCH, default the last commit's
# time), the base tar is written in sorted order with numeric owners, and the image's created time is that same
# epoch, so building twice from the same commit and the same cached base gives the same image ID. The base tar is
# cached in deploy/image/.cache/ (ignored by git; debootstrap takes minutes): delete it to refresh the packages.
#
# The image: user aebridge (uid 10001, no shell, no home writes), the app in /opt/aebridge (jar, target/lib without
# any TensorFlow natives jar, the linux-x86_64 natives unpacked in /opt/aebridge/native so nothing is extracted at
# start — a read-only root file system works, only /tmp must be writable), models read from /models, REST on 8501,
# gRPC on 8500 (served once the gRPC front-end is in; TF Serving's ports), a fixed 512 MiB heap as `aebridge serve`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/deploy/image"
cache="$here/.cache"
export CONTAINERS_CONF="$here/containers.conf"
save=""
while (($#)); do
  case "$1" in
    --save) save="$2"; shift 2 ;;
    *) echo "build.sh: unknown argument '$1' (expected --save FILE)" >&2; exit 2 ;;
  esac
done
for tool in debootstrap buildah podman runc; do
  command -v "$tool" >/dev/null || { echo "build.sh: '$tool' is missing: apt-get install -y debootstrap buildah podman runc" >&2; exit 2; }
done
[[ $(id -u) == 0 ]] || { echo "build.sh: run as root (debootstrap and buildah need it)" >&2; exit 2; }

export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct)}"
suite=bookworm
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
base_packages="openjdk-17-jre-headless"
# Bump base_recipe when the base's recipe below changes (the cached tar is keyed on it).
base_recipe=1
base_key=$(printf '%s\n' "$suite" "$mirror" "$base_packages" "$base_recipe" | sha256sum | cut -c1-12)
base_tar="$cache/base-$suite-$base_key.tar"
mkdir -p "$cache"

# ---------------------------------------------------------------- base: debootstrap + JRE, as one sorted tar
if [[ ! -f $base_tar ]]; then
  echo "build.sh: building the Debian $suite base with debootstrap (minutes; cached in $base_tar)" >&2
  rootfs="$cache/rootfs.tmp"
  rm -rf "$rootfs"
  debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >&2
  mount -t proc proc "$rootfs/proc"
  trap 'umount "$rootfs/proc" 2>/dev/null || true' EXIT
  # ca-certificates-java runs java in its postinst: /proc must be there.
  chroot "$rootfs" /bin/sh -ec "
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $base_packages >/dev/null
    groupadd --gid 10001 aebridge
    useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin aebridge
    apt-get clean
  " >&2
  umount "$rootfs/proc"; trap - EXIT
  # What a server never reads: package lists, caches, docs, man pages, locales, logs; and the files that differ
  # from build to build for no reason (machine-id, ld cache is regenerated identically, logs with times).
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/cache/debconf/*-old \
         "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
         "$rootfs"/usr/share/locale/* "$rootfs"/var/log/* "$rootfs"/tmp/* "$rootfs"/root/.cache \
         "$rootfs"/var/lib/dpkg/*-old "$rootfs"/etc/*- "$rootfs"/etc/machine-id "$rootfs"/var/lib/dbus/machine-id
  : > "$rootfs/etc/machine-id"
  tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --clamp-mtime --owner=0 --group=0 --numeric-owner \
      --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -C "$rootfs" -cf "$base_tar.tmp" .
  mv "$base_tar.tmp" "$base_tar"
  rm -rf "$rootfs"
fi

# ---------------------------------------------------------------- base image from the tar
base_image="localhost/aebridge-base:$suite-$base_key"
if ! podman image exists "$base_image"; then
  ctr=$(buildah from scratch)
  buildah add --quiet "$ctr" "$base_tar" / >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --env LANG=C.UTF-8 "$ctr"
  buildah commit --quiet --timestamp "$SOURCE_DATE_EPOCH" --rm "$ctr" "$base_image" >/dev/null
fi

# ---------------------------------------------------------------- application layer
jar="$root/target/aebridge.jar"
if [[ ! -f $jar || ! -d $root/target/lib ]] || [[ -n $(find "$root/pom.xml" "$root/src/main" -newer "$jar" -print -quit) ]]; then
  echo "build.sh: building target/aebridge.jar" >&2
  (cd "$root" && mvn -B -q -DskipTests package) >&2
fi
version=$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' "$root/pom.xml" | head -1)

stage="$cache/app.tmp"
rm -rf "$stage"
mkdir -p "$stage/opt/aebridge/lib" "$stage/opt/aebridge/native" "$stage/models"
cp "$jar" "$stage/opt/aebridge/aebridge.jar"
natives_jar=""
for f in "$root"/target/lib/*.jar; do
  case "$(basename "$f")" in
    *-linux-x86_64.jar) natives_jar="$f" ;;                  # unpacked below, not copied
    *-linux-*.jar|*-macosx-*.jar|*-windows-*.jar) ;;         # other platforms' natives never ship
    *) cp "$f" "$stage/opt/aebridge/lib/" ;;
  esac
done
[[ -n $natives_jar ]] || { echo "build.sh: no *-linux-x86_64.jar in target/lib (built on another OS?)" >&2; exit 1; }
unzip -q -j "$natives_jar" 'org/tensorflow/internal/c_api/linux-x86_64/*.so*' \
      'org/tensorflow/internal/c_api/linux-x86_64/LICENSE' -d "$stage/opt/aebridge/native"
chmod 0755 "$stage/opt/aebridge/native"/*.so*
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

ctr=$(buildah from --pull-never "$base_image")
trap 'buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
buildah copy --quiet --chown 0:0 "$ctr" "$stage/opt" /opt >/dev/null
buildah copy --quiet --chown 10001:10001 "$ctr" "$stage/models" /models >/dev/null
# JVM options every java in the image gets (JAVA_TOOL_OPTIONS, so also `tensorflow_model_server` and commands a
# manifest spells out): the natives come from /opt/aebridge/native (pathsFirst: JavaCPP loads them from
# java.library.path instead of unpacking a jar into a cache folder, which a read-only root fs refuses and which
# costs seconds at each start); no hsperfdata files. The heap is the entrypoint's, as `aebridge serve` ships it.
tool_opts="-XX:-UsePerfData -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=/tmp \
-Djava.library.path=/opt/aebridge/native -Dorg.bytedeco.javacpp.pathsFirst=true -Dorg.bytedeco.javacpp.cachedir=/tmp/javacpp"
entrypoint='["java", "-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch", "-jar", "/opt/aebridge/aebridge.jar"]'
cmd='["serve"]'
# TF Serving's command names (deploy/bin, from the tfserving work) when this checkout has them: on the PATH, and
# the image's entrypoint becomes TF Serving's, so `podman run -e MODEL_NAME=m -v DIR:/models/m IMAGE` works.
if [[ -x $root/deploy/bin/tf_serving_entrypoint.sh && -x $root/deploy/bin/tensorflow_model_server ]]; then
  mkdir -p "$stage/usr/bin"
  cp "$root/deploy/bin/tensorflow_model_server" "$root/deploy/bin/tf_serving_entrypoint.sh" "$stage/usr/bin/"
  find "$stage/usr" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  buildah copy --quiet --chown 0:0 "$ctr" "$stage/usr/bin" /usr/bin >/dev/null
  entrypoint='["/usr/bin/tf_serving_entrypoint.sh"]'
  cmd='[]'
fi
buildah config \
  --user 10001:10001 \
  --workingdir /opt/aebridge \
  --env JAVA_TOOL_OPTIONS="$tool_opts" \
  --env AEBRIDGE_HOME=/opt/aebridge \
  --env TF_CPP_MIN_LOG_LEVEL=1 \
  --env AEBRIDGE_HOST=0.0.0.0 \
  --env AEBRIDGE_PORT=8501 \
  --env AEBRIDGE_MODELS=/models \
  --port 8500/tcp --port 8501/tcp \
  --volume /tmp \
  --stop-signal SIGTERM \
  --entrypoint "$entrypoint" \
  --cmd "$cmd" \
  --label org.opencontainers.image.title=aebridge \
  --label org.opencontainers.image.version="$version" \
  --label org.opencontainers.image.revision="$(git -C "$root" rev-parse HEAD)" \
  --label org.opencontainers.image.base.name="debian:$suite (debootstrap, minbase) + $base_packages" \
  --created-by "deploy/image/build.sh" \
  "$ctr"
previous=$(podman image inspect --format '{{.Id}}' "localhost/aebridge:$version" 2>/dev/null || true)
buildah commit --quiet --timestamp "$SOURCE_DATE_EPOCH" "$ctr" "localhost/aebridge:$version" >/dev/null
buildah rm "$ctr" >/dev/null; trap - EXIT
podman tag "localhost/aebridge:$version" localhost/aebridge:latest
rm -rf "$stage"
# The image the tags left (1 GB each build); kept if a container still uses it.
id=$(podman image inspect --format '{{.Id}}' "localhost/aebridge:$version")
if [[ -n $previous && $previous != "$id" ]]; then podman rmi "$previous" >/dev/null 2>&1 || true; fi

size=$(podman image inspect --format '{{.Size}}' "localhost/aebridge:$version")
echo "image localhost/aebridge:$version id ${id:0:12} size $((size / 1000000)) MB (uncompressed)"
if [[ -n $save ]]; then
  rm -f "$save"
  podman save --quiet --format oci-archive -o "$save" "localhost/aebridge:$version"
  echo "saved $save ($(( $(stat -c %s "$save") / 1000000 )) MB)"
fi
