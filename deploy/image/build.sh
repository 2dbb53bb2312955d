#!/usr/bin/env bash
# Builds the AE Bridge OCI image with no image registry: a Debian bookworm base made by debootstrap from Debian
# packages, with a Java runtime cut by jlink to the modules the application needs (from Debian's
# openjdk-17-jdk-headless, which carries the jmods, installed in a throw-away copy of the base, never in the image), then
# the application layered on it with buildah. Run as root (debootstrap and buildah need it). Needs: debootstrap
# buildah podman runc binutils (Debian packages; the script installs the missing ones with apt-get and says so),
# Maven and a JDK 17 (jdeps) for the jar.
#
#   deploy/image/build.sh                  # → localhost/aebridge:<version> and :latest in podman's storage
#   deploy/image/build.sh --save FILE      # … and an OCI archive (podman load -i FILE / skopeo copy oci-archive:FILE)
#
# Reproducible: every file in both layers carries the same fixed time (SOURCE_DATE_EPOCH, default the last commit's
# time), the base tar is written in sorted order with numeric owners, and the image's created time is that same
# epoch, so building twice from the same commit and the same cached base gives the same files, but for one: the
# class-data-sharing archive records what one real start loaded and differs from build to build in its bytes (not
# in what it holds), so the image ID does too. The base tar is cached in deploy/image/.cache/ (ignored by git;
# debootstrap and the JDK download take minutes): delete it to refresh the packages; it is rebuilt by itself when
# the module list changes.
#
# The image: user aebridge (uid 10001, no shell, no home writes), the Java runtime in /opt/java (jlink: only the
# modules `jdeps --print-module-deps` finds in the jar and its libraries, plus the few that are loaded by name), the
# app in /opt/aebridge (jar, target/lib without any TensorFlow natives jar, the linux-x86_64 natives unpacked in
# /opt/aebridge/native with their symbol tables and debug information stripped (strip --strip-unneeded), so nothing is
# extracted at start: a read-only root file system works, only /tmp must be writable), the class-data-sharing
# archive /opt/aebridge/aebridge.jsa (made in the image by a real server start, used by every java in the image
# through JAVA_TOOL_OPTIONS), models read from /models, REST on 8501, gRPC on 8500 (TF Serving's ports), a fixed
# 512 MiB heap as `aebridge serve`. No apt lists or caches, docs, man pages or locales.
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
[[ $(id -u) == 0 ]] || { echo "build.sh: run as root (debootstrap and buildah need it)" >&2; exit 2; }
missing=()
for tool in debootstrap:debootstrap buildah:buildah podman:podman runc:runc strip:binutils unzip:unzip jdeps:openjdk-17-jdk-headless; do
  command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
done
if ((${#missing[@]})); then
  echo "build.sh: installing what is missing (Debian packages): apt-get install -y ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2; }
fi

export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct)}"
suite=bookworm
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# Installed only in the throw-away copy where jlink runs; the image gets jlink's output.
jdk_packages="openjdk-17-jdk-headless"
# Security updates: the JDK the runtime is cut from and the base's packages come with bookworm-security's fixes.
security_mirror="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
# Bump base_recipe when the base's recipe below changes (the cached tar is keyed on it).
base_recipe=2
mkdir -p "$cache"

# ---------------------------------------------------------------- the jar, and the Java modules it needs
jar="$root/target/aebridge.jar"
if [[ ! -f $jar || ! -d $root/target/lib ]] || [[ -n $(find "$root/pom.xml" "$root/src/main" -newer "$jar" -print -quit) ]]; then
  echo "build.sh: building target/aebridge.jar" >&2
  (cd "$root" && mvn -B -q -DskipTests package) >&2
fi
app_jars=()
for f in "$root"/target/lib/*.jar; do
  case "$(basename "$f")" in *-linux-*.jar|*-macosx-*.jar|*-windows-*.jar) ;; *) app_jars+=("$f") ;; esac
done
# What the classes reference (jdeps), plus modules only ever loaded by name, which jdeps cannot see:
# jdk.crypto.ec (TLS with EC keys), jdk.naming.dns (gRPC's DNS name resolver through JNDI), jdk.unsupported
# (sun.misc.Unsafe for protobuf, Netty, JavaCPP), jdk.management (com.sun.management metrics), jdk.zipfs
# (zip file systems), jdk.localedata is left out (the server formats in the root locale).
cp_list=$(IFS=:; echo "${app_jars[*]}")
echo "build.sh: jdeps: the Java modules the jar and its libraries use (a minute)" >&2
modules=$(jdeps --multi-release 17 --ignore-missing-deps --print-module-deps --recursive --class-path "$cp_list" "$jar")
modules=$(printf '%s\n' ${modules//,/ } jdk.crypto.ec jdk.naming.dns jdk.unsupported jdk.management jdk.zipfs | sort -u | paste -sd,)
echo "build.sh: Java modules: $modules" >&2
base_key=$(printf '%s\n' "$suite" "$mirror" "$security_mirror" "$jdk_packages" "$modules" "$base_recipe" | sha256sum | cut -c1-12)
base_tar="$cache/base-$suite-$base_key.tar"

# ---------------------------------------------------------------- base: debootstrap + jlink'd runtime, one sorted tar
if [[ ! -f $base_tar ]]; then
  echo "build.sh: building the Debian $suite base with debootstrap (minutes; cached in $base_tar)" >&2
  rootfs="$cache/rootfs.tmp"
  jdkfs="$cache/jdkfs.tmp"
  rm -rf "$rootfs" "$jdkfs"
  # debootstrap's output is kept on its own (keyed on suite and mirror), so a new module list costs no download.
  minbase="$cache/minbase-$suite-$(printf '%s\n' "$suite" "$mirror" | sha256sum | cut -c1-12)"
  if [[ ! -d $minbase ]]; then
    rm -rf "$minbase.tmp"
    debootstrap --variant=minbase "$suite" "$minbase.tmp" "$mirror" >&2
    mv "$minbase.tmp" "$minbase"
  fi
  cp -a "$minbase" "$rootfs"
  echo "deb $security_mirror $suite-security main" > "$rootfs/etc/apt/sources.list.d/security.list"
  # The JDK goes into a copy: jlink runs there, and only its output comes back into the base.
  cp -a "$rootfs" "$jdkfs"
  in_chroot() {  # DIR SCRIPT: runs SCRIPT in DIR with /proc mounted (ca-certificates-java runs java in its postinst)
    mount -t proc proc "$1/proc"
    trap 'umount "'"$1"'/proc" 2>/dev/null || true' EXIT
    chroot "$1" /bin/sh -ec "export DEBIAN_FRONTEND=noninteractive; $2" >&2
    umount "$1/proc"; trap - EXIT
  }
  in_chroot "$rootfs" "apt-get update -qq; apt-get upgrade -y -qq >/dev/null; apt-get clean"
  # The runtime's own CDS archive (--generate-cds-archive) is the base the application's archive is laid on;
  # --strip-debug also strips the native libraries' debug symbols, with binutils' objcopy.
  in_chroot "$jdkfs" "
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $jdk_packages binutils >/dev/null
    jlink --add-modules $modules --strip-debug --no-man-pages --no-header-files --generate-cds-archive \
      --output /opt/java"
  mkdir -p "$rootfs/opt"
  cp -a "$jdkfs/opt/java" "$rootfs/opt/java"
  rm -rf "$jdkfs"
  ln -s /opt/java/bin/java "$rootfs/usr/bin/java"
  chroot "$rootfs" /bin/sh -ec "
    groupadd --gid 10001 aebridge
    useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin aebridge
  " >&2
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
  buildah config --env PATH=/opt/java/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env JAVA_HOME=/opt/java --env LANG=C.UTF-8 "$ctr"
  buildah commit --quiet --timestamp "$SOURCE_DATE_EPOCH" --rm "$ctr" "$base_image" >/dev/null
fi

# ---------------------------------------------------------------- application layer
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
# Debug symbols and the static symbol table are for debuggers; the dynamic symbols the libraries link by stay.
strip --strip-unneeded "$stage/opt/aebridge/native"/libtensorflow*.so*
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
entrypoint='["java", "-Xms512m", "-Xmx512m", "-jar", "/opt/aebridge/aebridge.jar"]'

# The class-data-sharing archive, made in the image by a real start: a server on three committed models (HTTP and
# gRPC on free loopback ports) answers one request of each kind, then SIGTERM, and the JVM writes the classes it
# loaded (deploy/image/cds-train.sh). It is only valid for this runtime and these jar paths, which is why it is made
# here. The heap is the entrypoint's: the archive's object layout follows it.
cds="$cache/cds.tmp"
rm -rf "$cds"; mkdir -p "$cds/models"
for m in py-demo-tf-keras py-deep-tf-keras py-conv-tf-keras; do cp -r "$root/saved-models/$m" "$cds/models/"; done
javac --release 17 -d "$cds" "$here/CdsTouch.java"
cp "$here/cds-train.sh" "$cds/"
chmod -R a+rX "$cds"
buildah copy --quiet --chown 0:0 "$ctr" "$cds" /tmp/cds >/dev/null
buildah run --network host --env JAVA_TOOL_OPTIONS="$tool_opts" --env TF_CPP_MIN_LOG_LEVEL=2 "$ctr" -- \
  /bin/sh /tmp/cds/cds-train.sh /opt/aebridge/aebridge.jsa >&2
buildah run "$ctr" -- /bin/sh -c 'rm -rf /tmp/cds /tmp/javacpp /tmp/hsperfdata_* && touch -h -d "@'"$SOURCE_DATE_EPOCH"'" /opt/aebridge/aebridge.jsa'
rm -rf "$cds"
tool_opts="$tool_opts -XX:SharedArchiveFile=/opt/aebridge/aebridge.jsa -Xlog:cds=off -Xlog:cds+dynamic=off"
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
  --label org.opencontainers.image.base.name="debian:$suite (debootstrap, minbase) + jlink ($modules) from $jdk_packages" \
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
podman history --format '{{.Size}}\t{{.CreatedBy}}' "localhost/aebridge:$version" | sed 's/^/  layer /' >&2
if [[ -n $save ]]; then
  rm -f "$save"
  podman save --quiet --format oci-archive -o "$save" "localhost/aebridge:$version"
  echo "saved $save ($(( $(stat -c %s "$save") / 1000000 )) MB)"
fi
