package dev.flint.cuda.loader;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The dynamic symbols of an ELF64 little-endian shared object with their symbol versions: what
 * {@code nm -D} and {@code readelf -V} show, read from the file (mapped, not loaded) through its
 * section headers ({@code .dynsym}, {@code .gnu.version}, {@code .gnu.version_d},
 * {@code .gnu.version_r}).
 *
 * <p>Why: the JVM binds a JNI library's imports lazily, so a cuBLAS function that the installed
 * {@code libcublas} lacks (or defines under another version) is only noticed at its first call, and
 * then the dynamic loader ends the process ("symbol lookup error"). Reading the library's symbol table
 * beforehand turns that into an error message ({@link CublasLibrary}).
 *
 * <pre>{@code
 * ElfSymbols s = ElfSymbols.read(Path.of("/usr/local/cuda/lib64/libcublas.so.13"));
 * s.binds("cublasSgemm_v2", "libcublas.so.13")   // true where a versioned reference would bind
 * }</pre>
 */
public final class ElfSymbols {
    private static final int SHT_DYNSYM = 11;
    private static final int SHT_GNU_VERDEF = 0x6ffffffd;
    private static final int SHT_GNU_VERNEED = 0x6ffffffe;
    private static final int SHT_GNU_VERSYM = 0x6fffffff;
    private static final int VER_FLG_BASE = 1;

    /**
     * One dynamic symbol.
     *
     * @param version the version name its {@code .gnu.version} entry refers to (a definition's
     *     {@code Verdef} or an import's {@code Vernaux}), or "" for none
     * @param hidden a non-default version ({@code name@VER} rather than {@code name@@VER})
     * @param versionIndex the raw {@code .gnu.version} index without the hidden bit (0 local, 1 global)
     */
    public record Symbol(String name, boolean defined, String version, boolean hidden, int versionIndex) {
        @Override
        public String toString() {
            return name + (version.isEmpty() ? "" : (hidden || !defined ? "@" : "@@") + version)
                    + (defined ? "" : " (undefined)");
        }
    }

    /**
     * A version definition ({@code Verdef}).
     *
     * @param base the file's own version ({@code VER_FLG_BASE})
     */
    public record VersionDefinition(int index, String name, boolean base) {
    }

    private final Path file;
    private final List<Symbol> symbols;
    private final List<VersionDefinition> definitions;

    private ElfSymbols(Path file, List<Symbol> symbols, List<VersionDefinition> definitions) {
        this.file = file;
        this.symbols = symbols;
        this.definitions = definitions;
    }

    /**
     * Reads {@code file}'s dynamic symbol table.
     *
     * @throws IOException when it cannot be read, is not an ELF64 little-endian file, or has no section
     *     headers or no {@code .dynsym} (a stripped layout this reader does not handle)
     */
    public static ElfSymbols read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw new IOException(file + ": " + size + " bytes, more than this reader maps");
            }
            MappedByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            b.order(ByteOrder.LITTLE_ENDIAN);
            try {
                return parse(file, b);
            } catch (IndexOutOfBoundsException e) {
                throw new IOException(file + ": truncated or malformed ELF file (" + e.getMessage() + ")", e);
            }
        }
    }

    private static ElfSymbols parse(Path file, MappedByteBuffer b) throws IOException {
        if (b.limit() < 64 || b.getInt(0) != 0x464c457f || b.get(4) != 2 || b.get(5) != 1) {
            throw new IOException(file + ": not an ELF64 little-endian file");
        }
        long shoff = b.getLong(0x28);
        int shentsize = Short.toUnsignedInt(b.getShort(0x3a));
        int shnum = Short.toUnsignedInt(b.getShort(0x3c));
        if (shoff == 0 || shnum == 0) {
            throw new IOException(file + ": no section headers");
        }
        int dynsym = -1;
        int versym = -1;
        int verdef = -1;
        int verneed = -1;
        for (int i = 0; i < shnum; i++) {
            int type = b.getInt(header(shoff, shentsize, i) + 4);
            switch (type) {
                case SHT_DYNSYM -> dynsym = header(shoff, shentsize, i);
                case SHT_GNU_VERSYM -> versym = header(shoff, shentsize, i);
                case SHT_GNU_VERDEF -> verdef = header(shoff, shentsize, i);
                case SHT_GNU_VERNEED -> verneed = header(shoff, shentsize, i);
                default -> { }
            }
        }
        if (dynsym < 0) {
            throw new IOException(file + ": no .dynsym section");
        }
        int strtab = offset(b, header(shoff, shentsize, b.getInt(dynsym + 0x28)));

        // Version index -> name, from the definitions and from the needs' Vernaux entries (vna_other).
        List<VersionDefinition> definitions = new ArrayList<>();
        List<String> names = new ArrayList<>();
        if (verdef >= 0) {
            int vd = offset(b, verdef);
            for (int i = 0, count = b.getInt(verdef + 0x2c); i < count; i++) {
                int index = Short.toUnsignedInt(b.getShort(vd + 4));
                int flags = Short.toUnsignedInt(b.getShort(vd + 2));
                String name = string(b, strtab + b.getInt(vd + b.getInt(vd + 12)));
                definitions.add(new VersionDefinition(index, name, (flags & VER_FLG_BASE) != 0));
                put(names, index, name);
                int next = b.getInt(vd + 16);
                if (next == 0) {
                    break;
                }
                vd += next;
            }
        }
        if (verneed >= 0) {
            int vn = offset(b, verneed);
            for (int i = 0, count = b.getInt(verneed + 0x2c); i < count; i++) {
                int aux = vn + b.getInt(vn + 8);
                for (int k = 0, auxCount = Short.toUnsignedInt(b.getShort(vn + 2)); k < auxCount; k++) {
                    put(names, Short.toUnsignedInt(b.getShort(aux + 6)) & 0x7fff, string(b, strtab + b.getInt(aux + 8)));
                    int next = b.getInt(aux + 12);
                    if (next == 0) {
                        break;
                    }
                    aux += next;
                }
                int next = b.getInt(vn + 12);
                if (next == 0) {
                    break;
                }
                vn += next;
            }
        }

        int symOffset = offset(b, dynsym);
        int count = (int) (b.getLong(dynsym + 0x20) / 24);
        int versymOffset = versym < 0 ? -1 : offset(b, versym);
        List<Symbol> symbols = new ArrayList<>(count);
        for (int i = 1; i < count; i++) {                   // entry 0 is the null symbol
            int s = symOffset + 24 * i;
            String name = string(b, strtab + b.getInt(s));
            boolean defined = b.getShort(s + 6) != 0;          // st_shndx != SHN_UNDEF
            int raw = versymOffset < 0 ? 1 : Short.toUnsignedInt(b.getShort(versymOffset + 2 * i));
            int index = raw & 0x7fff;
            String version = index < names.size() && names.get(index) != null ? names.get(index) : "";
            symbols.add(new Symbol(name, defined, version, (raw & 0x8000) != 0, index));
        }
        return new ElfSymbols(file, List.copyOf(symbols), List.copyOf(definitions));
    }

    /** The file this was read from. */
    public Path file() {
        return file;
    }

    /** Every dynamic symbol but the null one, in table order. */
    public List<Symbol> symbols() {
        return symbols;
    }

    /** The version definitions ({@code readelf -V}'s {@code .gnu.version_d}), base first. */
    public List<VersionDefinition> versionDefinitions() {
        return definitions;
    }

    /** The definitions of {@code name} (several when it is defined under several versions). */
    public List<Symbol> definitions(String name) {
        List<Symbol> found = new ArrayList<>(1);
        for (Symbol s : symbols) {
            if (s.defined() && s.name().equals(name)) {
                found.add(s);
            }
        }
        return found;
    }

    /**
     * Whether a reference to {@code name} bound to version {@code version} ("" for an unversioned one)
     * resolves to a definition here, by glibc's rule: the definition's version name must equal the
     * reference's, except that a definition with no version of its own (index 0 or 1 with no
     * {@code Verdef}) that is not hidden satisfies any reference.
     */
    public boolean binds(String name, String version) {
        for (Symbol s : definitions(name)) {
            if (version.isEmpty() || s.version().equals(version) || (s.version().isEmpty() && !s.hidden())) {
                return true;
            }
        }
        return false;
    }

    private static void put(List<String> names, int index, String name) {
        while (names.size() <= index) {
            names.add(null);
        }
        names.set(index, name);
    }

    private static int header(long shoff, int shentsize, int index) {
        return Math.toIntExact(shoff + (long) index * shentsize);
    }

    /** sh_offset of the section whose header is at {@code header}. */
    private static int offset(MappedByteBuffer b, int header) {
        return Math.toIntExact(b.getLong(header + 0x18));
    }

    private static String string(MappedByteBuffer b, int pos) {
        int end = pos;
        while (b.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - pos];
        b.get(pos, bytes);
        return new String(bytes, StandardCharsets.US_ASCII);
    }
}
