#!/bin/sh
# Regenerates internal/auth/common_passwords.txt, the list of common
# passwords refused when a password is chosen (internal/auth/policy.go).
#
# Source: John the Ripper's password.lst (Openwall, 3 546 entries, "assumed to
# be in the public domain"), shipped by Debian's john-data package:
#     apt-get install john-data
# lower-cased, without its comment lines and duplicates, most common first;
# then a short hand-picked French supplement (French keyboard rows and words
# that top French password leaks), marked as ours below.
set -eu
src=${1:-/usr/share/john/password.lst}
out=$(dirname "$0")/../internal/auth/common_passwords.txt
{
	grep -v '^#!comment:' "$src" | tr 'A-Z' 'a-z'
	# Hand-picked French supplement (ours, not from the list above).
	cat <<'FR'
azerty
azertyuiop
azerty123
qsdfghjklm
wxcvbn
motdepasse
mot de passe
bonjour
soleil
doudou
loulou
chouchou
coucou
jetaime
marseille
paris
toulouse
lyon
bordeaux
france
nicolas
camille
julien
thomas
isabelle
nathalie
stephane
sebastien
frederic
catherine
chocolat
princesse
vacances
amour
bisous
doudou
secret
admin
administrateur
utilisateur
bienvenue
FR
} | awk 'NF && !seen[$0]++' > "$out"
wc -l "$out"
