package dev.rewind.edge.store;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Byte-key building for the store's RocksDB families: keys sort as their parts joined. */
final class StoreKeys {

    private StoreKeys() {}

    static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] joined = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
