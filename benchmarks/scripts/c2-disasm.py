#!/usr/bin/env python3
"""Disassembles one C2-compiled method from a JVM's -XX:+PrintAssembly output when no hsdis library is
installed: the JVM then prints each method's machine code as hex words, and this turns them back into
bytes and hands them to objdump (binutils).

    java -XX:UseAVX=2 -XX:+UnlockDiagnosticVMOptions \\
        -XX:CompileCommand=print,dev.flint.cpu.gemm.VectorTiles::s6x2 ... > /tmp/print.txt
    python3 benchmarks/scripts/c2-disasm.py /tmp/print.txt s6x2 > /tmp/s6x2.s

It takes the last C2 (tier 4) compilation of the method that is not an on-stack replacement, and
prints objdump's Intel-syntax listing with the method's real addresses, so that the jumps can be
followed. Debian's libhsdis0-fcml does not help on JDK 17: it exports only the old
decode_instructions entry point, which JDK 17 no longer looks for.
"""
import argparse
import re
import subprocess
import sys
import tempfile

HEX_LINE = re.compile(r"\s+0x([0-9a-f]+): ([0-9a-f| ]+)$")


def code_bytes(lines, method):
    """(start address, bytes) of the method's last non-OSR C2 compilation in the PrintAssembly output."""
    starts = [i for i, line in enumerate(lines)
              if line.startswith("Compiled method (c2)") and method in line and " % " not in line]
    if not starts:
        raise SystemExit("c2-disasm: no C2 compilation of '%s' (not an OSR one) in the input" % method)
    code = bytearray()
    base = None
    for line in lines[starts[-1] + 1:]:
        if line.startswith("Compiled method") or line.startswith("[Stub Code]") \
                or line.startswith("[Exception Handler]"):
            break
        m = HEX_LINE.match(line)
        if not m:
            continue
        addr = int(m.group(1), 16)
        if base is None:
            base = addr
        gap = addr - base - len(code)
        if gap > 0:
            code += b"\x90" * gap   # a gap between printed blocks: keep the addresses right
        code += bytes.fromhex(m.group(2).replace("|", "").replace(" ", ""))
    if base is None:
        raise SystemExit("c2-disasm: the compilation of '%s' has no hex code lines (is hsdis installed?)" % method)
    return base, bytes(code)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("print_output", help="a file with the JVM's PrintAssembly output")
    parser.add_argument("method", help="the method's name as PrintAssembly shows it, e.g. s6x2 or VectorTiles::s6x2")
    args = parser.parse_args()
    with open(args.print_output, errors="replace") as f:
        lines = f.read().split("\n")
    base, code = code_bytes(lines, args.method)
    with tempfile.NamedTemporaryFile(suffix=".bin") as tmp:
        tmp.write(code)
        tmp.flush()
        try:
            out = subprocess.run(["objdump", "-D", "-b", "binary", "-m", "i386:x86-64", "-M", "intel",
                                  "--adjust-vma=%#x" % base, tmp.name], capture_output=True, text=True, check=True)
        except FileNotFoundError:
            raise SystemExit("c2-disasm: objdump not found (Debian: apt-get install binutils)")
    sys.stdout.write(out.stdout)


if __name__ == "__main__":
    main()
