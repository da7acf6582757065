#!/usr/bin/env bash
# Installs the system packages the toolchain needs when they are missing (Debian; needs root).
#   Pango and HarfBuzz: WeasyPrint's text layout; libharfbuzz-subset0: fast font subsetting.
#   A Java runtime: EPUBCheck (tests only).  poppler-utils: pdftoppm, to look at pages.
#   gettext: msgfmt --check, which the tests run on an exported PO file (tests only).
#   zbar-tools: zbarimg, which reads the QR codes of the printed pages back (tests only).
#   libgs-common: the CMYK printing profile (/usr/share/color/icc/ghostscript/default_cmyk.icc) that is the press
#   edition's PDF/X-4 output intent.  fonts-noto-cjk: Noto Sans CJK SC, the Chinese handouts' font.
#   calibre (tests only): ebook-convert, to convert the EPUB to AZW3 as a Kindle reader does.
#   redis-server (tests only): the queue's tests start one on a loopback port.
set -euo pipefail
needed=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core poppler-utils
        libgs-common fonts-noto-cjk)
if [ "${1:-}" = "--test" ]; then
  command -v java >/dev/null 2>&1 || needed+=(default-jre-headless)
  command -v ebook-convert >/dev/null 2>&1 || needed+=(calibre)
  command -v msgfmt >/dev/null 2>&1 || needed+=(gettext)
  needed+=(redis-server)
  needed+=(zbar-tools)
fi
missing=()
for package in "${needed[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "missing system packages: ${missing[*]} (install them with apt-get as root)" >&2
  exit 1
fi
echo "installing system packages: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
