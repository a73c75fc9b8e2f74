# Sourced by the scripts that install what they need: apt_install PACKAGE... installs them from Debian's
# archive, as root or through sudo.
apt_install() {
  [ $# -gt 0 ] || return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  printf '[apt] installing %s\n' "$*" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
