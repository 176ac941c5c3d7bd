package dev.flint.cuda.loader;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Renames a needed shared library inside an ELF64 little-endian shared object, in place and without
 * changing its size: the JNI library of JCublas2 12.6 needs {@code libcublas.so.12} twice, as a
 * {@code DT_NEEDED} entry and as a version requirement ({@code .gnu.version_r}: its cuBLAS symbols are
 * bound to version {@code libcublas.so.12}). Both name strings in {@code .dynstr}; a same-length rename
 * of those strings retargets both, and the version requirement's {@code vna_hash} (the SysV ELF hash
 * of the version name, which the dynamic loader compares) is recomputed for the new name.
 *
 * <p>{@code patchelf --replace-needed} is not enough: it leaves the version requirement, and glibc
 * then refuses the library ("version `libcublas.so.12' not found").
 *
 * <pre>{@code
 * ElfRetarget.Result r = ElfRetarget.retarget(bytes, "libcublas.so.12", "libcublas.so.13");
 * Files.write(target, r.image());
 * }</pre>
 */
public final class ElfRetarget {
    private static final int SHT_DYNAMIC = 6;
    private static final int SHT_GNU_VERNEED = 0x6ffffffe;
    private static final long DT_NULL = 0;
    private static final long DT_NEEDED = 1;

    /**
     * The patched image and what changed.
     *
     * @param neededRenamed {@code DT_NEEDED} entries that now name the new library
     * @param versionNeedsRehashed version requirements ({@code Elf64_Vernaux}) renamed and rehashed
     */
    public record Result(byte[] image, int neededRenamed, int versionNeedsRehashed) {
    }

    private ElfRetarget() {
    }

    /**
     * Returns a copy of {@code elf} in which every {@code DT_NEEDED} entry, version-need file name and
     * version-need name equal to {@code from} reads {@code to}, with the version hashes recomputed.
     *
     * @throws IllegalArgumentException when the names differ in length or the image is not an ELF64
     *     little-endian file with a dynamic section
     * @throws IllegalStateException when the image does not need {@code from} at all, or its version
     *     hash of {@code from} is not the SysV ELF hash (so this is not the layout we understand)
     */
    public static Result retarget(byte[] elf, String from, String to) {
        byte[] oldName = from.getBytes(StandardCharsets.US_ASCII);
        byte[] newName = to.getBytes(StandardCharsets.US_ASCII);
        if (oldName.length != newName.length) {
            throw new IllegalArgumentException("ELF retarget: '" + from + "' (" + oldName.length + " bytes) and '"
                    + to + "' (" + newName.length + " bytes) must have the same length");
        }
        byte[] f = Arrays.copyOf(elf, elf.length);
        ByteBuffer b = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
        if (f.length < 64 || b.getInt(0) != 0x464c457f || f[4] != 2 || f[5] != 1) {
            throw new IllegalArgumentException("ELF retarget: not an ELF64 little-endian file (" + f.length + " bytes)");
        }
        long shoff = b.getLong(0x28);
        int shentsize = Short.toUnsignedInt(b.getShort(0x3a));
        int shnum = Short.toUnsignedInt(b.getShort(0x3c));
        int dynamic = -1;
        int verneed = -1;
        for (int i = 0; i < shnum; i++) {
            int type = b.getInt(section(shoff, shentsize, i) + 4);
            if (type == SHT_DYNAMIC) {
                dynamic = i;
            } else if (type == SHT_GNU_VERNEED) {
                verneed = i;
            }
        }
        if (dynamic < 0) {
            throw new IllegalArgumentException("ELF retarget: no dynamic section (a static or stripped-section file)");
        }
        int dynSection = section(shoff, shentsize, dynamic);
        int strtab = stringTable(b, shoff, shentsize, b.getInt(dynSection + 0x28));

        // Offsets (into .dynstr) of the strings to rename: DT_NEEDED values, vn_file and vna_name.
        Set<Integer> renameAt = new LinkedHashSet<>();
        int needed = 0;
        int dynOffset = (int) b.getLong(dynSection + 0x18);
        int dynSize = (int) b.getLong(dynSection + 0x20);
        for (int e = dynOffset; e + 16 <= dynOffset + dynSize; e += 16) {
            long tag = b.getLong(e);
            if (tag == DT_NULL) {
                break;
            }
            if (tag == DT_NEEDED && equalsAt(f, strtab + (int) b.getLong(e + 8), oldName)) {
                renameAt.add((int) b.getLong(e + 8));
                needed++;
            }
        }
        int auxRenamed = 0;
        int[] auxToRehash = new int[0];
        if (verneed >= 0) {
            int vs = section(shoff, shentsize, verneed);
            int vrStrtab = stringTable(b, shoff, shentsize, b.getInt(vs + 0x28));
            if (vrStrtab != strtab) {
                throw new IllegalArgumentException("ELF retarget: .gnu.version_r and .dynamic use different string tables");
            }
            int count = b.getInt(vs + 0x2c);                    // sh_info: number of Elf64_Verneed entries
            int vn = (int) b.getLong(vs + 0x18);
            for (int i = 0; i < count; i++) {
                int file = b.getInt(vn + 4);
                if (equalsAt(f, strtab + file, oldName)) {
                    renameAt.add(file);
                }
                int auxCount = Short.toUnsignedInt(b.getShort(vn + 2));
                int aux = vn + b.getInt(vn + 8);
                for (int k = 0; k < auxCount; k++) {
                    int name = b.getInt(aux + 8);
                    if (equalsAt(f, strtab + name, oldName)) {
                        long hash = Integer.toUnsignedLong(b.getInt(aux));
                        if (hash != elfHash(oldName)) {
                            throw new IllegalStateException(String.format("ELF retarget: the version need '%s' has hash"
                                    + " 0x%x, expected the SysV ELF hash 0x%x", from, hash, elfHash(oldName)));
                        }
                        renameAt.add(name);
                        auxToRehash = Arrays.copyOf(auxToRehash, auxToRehash.length + 1);
                        auxToRehash[auxToRehash.length - 1] = aux;
                        auxRenamed++;
                    }
                    int next = b.getInt(aux + 12);
                    if (next == 0) {
                        break;
                    }
                    aux += next;
                }
                int nextVn = b.getInt(vn + 12);
                if (nextVn == 0) {
                    break;
                }
                vn += nextVn;
            }
        }
        if (needed == 0) {
            throw new IllegalStateException("ELF retarget: the file does not need '" + from + "'");
        }
        for (int offset : renameAt) {
            System.arraycopy(newName, 0, f, strtab + offset, newName.length);
        }
        int newHash = (int) elfHash(newName);
        for (int aux : auxToRehash) {
            b.putInt(aux, newHash);
        }
        return new Result(f, needed, auxRenamed);
    }

    /** The SysV ELF hash ({@code elf_hash} of the gABI), as {@code vna_hash} holds it. */
    public static long elfHash(byte[] name) {
        long h = 0;
        for (byte c : name) {
            h = ((h << 4) + (c & 0xff)) & 0xffffffffL;
            long g = h & 0xf0000000L;
            if (g != 0) {
                h ^= g >>> 24;
            }
            h &= ~g;
        }
        return h;
    }

    private static int section(long shoff, int shentsize, int index) {
        return (int) (shoff + (long) index * shentsize);
    }

    private static int stringTable(ByteBuffer b, long shoff, int shentsize, int index) {
        return (int) b.getLong(section(shoff, shentsize, index) + 0x18);
    }

    /** Whether the NUL-terminated string at {@code pos} is exactly {@code s}. */
    private static boolean equalsAt(byte[] f, int pos, byte[] s) {
        if (pos < 0 || pos + s.length >= f.length) {
            return false;
        }
        for (int i = 0; i < s.length; i++) {
            if (f[pos + i] != s[i]) {
                return false;
            }
        }
        return f[pos + s.length] == 0;
    }
}
