#!/usr/bin/env bash
# Inputs real senders make that edi-pcapgen does not (../shared/DOMAIN.md):
# X12 with 0x7F, '|', '+' element separators and LF, CR, ''' or 0x15
# terminators, each followed by CR LF, LF or nothing; ISA 00501 with a
# repetition separator; unpadded ISA; EDIFACT UNA with unusual characters,
# no UNA, BOM before UNA/UNB, UNH first, interchanges back to back with
# other separators, garbage between them, syntax 4 (UNOW/UNOY, CCYYMMDD),
# ISO-8859-1 and UTF-8 data, a raw newline inside a data element, wrong
# UNT/UNZ/SE/IEA counts (reported, never depended on); some cut at every
# byte. Replayed through edisensord; segments and metadata must equal the
# values written by hand in real_inputs.py.
set -u
. "$(dirname "$0")/replay_lib.sh"
replay_require "$DAEMON"
python3 "$ROOT/tests/pcap/real_inputs.py" "$DAEMON" "$tmp" || { echo "FAIL"; exit 1; }
echo "PASS"
