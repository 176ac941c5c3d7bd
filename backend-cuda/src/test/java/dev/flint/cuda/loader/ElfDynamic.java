package dev.flint.cuda.loader;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A small ELF64 reader for the tests, written independently of {@link ElfRetarget}: it finds the dynamic
 * string table through the program headers' {@code PT_DYNAMIC} segment and {@code DT_STRTAB} (as the
 * dynamic loader does, not through section headers) and reads {@code DT_NEEDED} and the version needs
 * through {@code DT_VERNEED} / {@code DT_VERNEEDNUM}.
 */
final class ElfDynamic {
    record VersionNeed(String file, String name, long hash) {
    }

    final List<String> needed = new ArrayList<>();
    final List<VersionNeed> versionNeeds = new ArrayList<>();

    ElfDynamic(byte[] f) {
        ByteBuffer b = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
        long phoff = b.getLong(0x20);
        int phentsize = Short.toUnsignedInt(b.getShort(0x36));
        int phnum = Short.toUnsignedInt(b.getShort(0x38));
        List<long[]> loads = new ArrayList<>();   // {vaddr, offset, filesz}
        long dynOffset = -1;
        long dynSize = 0;
        for (int i = 0; i < phnum; i++) {
            int p = (int) (phoff + (long) i * phentsize);
            int type = b.getInt(p);
            if (type == 1) {
                loads.add(new long[] {b.getLong(p + 0x10), b.getLong(p + 0x08), b.getLong(p + 0x20)});
            } else if (type == 2) {
                dynOffset = b.getLong(p + 0x08);
                dynSize = b.getLong(p + 0x20);
            }
        }
        if (dynOffset < 0) {
            throw new IllegalArgumentException("no PT_DYNAMIC");
        }
        long strtab = 0;
        long verneed = 0;
        long verneedNum = 0;
        List<Long> neededOffsets = new ArrayList<>();
        for (long e = dynOffset; e < dynOffset + dynSize; e += 16) {
            long tag = b.getLong((int) e);
            long val = b.getLong((int) e + 8);
            if (tag == 0) {
                break;
            } else if (tag == 1) {
                neededOffsets.add(val);
            } else if (tag == 5) {
                strtab = toOffset(loads, val);
            } else if (tag == 0x6ffffffeL) {
                verneed = toOffset(loads, val);
            } else if (tag == 0x6fffffffL) {
                verneedNum = val;
            }
        }
        for (long off : neededOffsets) {
            needed.add(string(f, strtab + off));
        }
        long vn = verneed;
        for (long i = 0; i < verneedNum; i++) {
            String file = string(f, strtab + Integer.toUnsignedLong(b.getInt((int) vn + 4)));
            int cnt = Short.toUnsignedInt(b.getShort((int) vn + 2));
            long aux = vn + b.getInt((int) vn + 8);
            for (int k = 0; k < cnt; k++) {
                long hash = Integer.toUnsignedLong(b.getInt((int) aux));
                String name = string(f, strtab + Integer.toUnsignedLong(b.getInt((int) aux + 8)));
                versionNeeds.add(new VersionNeed(file, name, hash));
                aux += b.getInt((int) aux + 12);
            }
            vn += b.getInt((int) vn + 12);
        }
    }

    private static long toOffset(List<long[]> loads, long vaddr) {
        for (long[] l : loads) {
            if (vaddr >= l[0] && vaddr < l[0] + l[2]) {
                return vaddr - l[0] + l[1];
            }
        }
        throw new IllegalArgumentException("address 0x" + Long.toHexString(vaddr) + " is in no PT_LOAD segment");
    }

    private static String string(byte[] f, long pos) {
        int end = (int) pos;
        while (f[end] != 0) {
            end++;
        }
        return new String(f, (int) pos, end - (int) pos, StandardCharsets.US_ASCII);
    }
}
