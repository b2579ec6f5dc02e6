#!/bin/sh
# Writes the man page psendurance.8 (roff, on stdout) from the daemon's own
# `--help` output, so that the two never disagree: the synopsis and option
# list come from --help, the sections around them from psendurance.8.in.
# Usage: help2man.sh HELP_TEXT_FILE VERSION
set -eu
HELP=$1
VERSION=$2
HERE=$(cd "$(dirname "$0")" && pwd)

# roff-escape: backslashes, leading dots and quotes, hyphens of options.
esc() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/" -e 's/-/\\-/g'; }

# The option list: "    -m, --modem PATH    text" with continuation lines
# indented to the text column, or the text on the next line.
options() {
    # getopts prints the option, then its text from column 25 on, or on the
    # next lines when the option is long; continuations start at column 25.
    sed -n '/^Options:$/,/^$/p' "$HELP" | sed '1d;/^$/d' | awk '
        function flush() { if (head != "") { print ".TP"; print head; print text } head = ""; text = "" }
        /^                        / { t = $0; sub(/^ +/, "", t); text = (text == "" ? t : text " " t); next }
        {
            flush()
            # The option words, its one upper-case value name, then text.
            n = split($0, w, " "); head = ""; i = 1
            while (i <= n && w[i] ~ /^-/) { head = head (head == "" ? "" : " ") w[i]; i++ }
            if (i <= n && w[i] ~ /^[A-Z]+$/) { head = head " " w[i]; i++ }
            text = ""
            for (; i <= n; i++) text = text (text == "" ? "" : " ") w[i]
        }
        END { flush() }'
}

DESC=$(sed -n '3,/^$/p' "$HELP" | tr '\n' ' ' | sed 's/ *$//')

cat <<EOF2
.TH PSENDURANCE 8 "" "psendurance $VERSION" "System Administration"
.SH NAME
psendurance \- keep a mobile data connection up through oFono
.SH SYNOPSIS
.B psendurance
[\fIOPTIONS\fR]
.SH DESCRIPTION
$(echo "$DESC" | esc)
.PP
EOF2
sed -n '1,/^@OPTIONS@$/p' "$HERE/psendurance.8.in" | sed '$d'
echo ".SH OPTIONS"
options | while IFS= read -r line; do
    case $line in
    .TP) echo .TP ;;
    *) echo "$line" | esc ;;
    esac
done | awk 'prev == ".TP" { print "\\fB" $0 "\\fR"; prev = ""; next } { print; prev = $0 }'
sed -n '/^@OPTIONS@$/,$p' "$HERE/psendurance.8.in" | sed '1d'
