package io.github.ddbstreams.internal;

import java.util.Map;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Estimates DynamoDB item sizes by DynamoDB's documented rules (names and strings in UTF-8 bytes, numbers at
 * most 21 bytes, 3 bytes of overhead per map or list plus 1 per element), erring on the large side.
 */
public final class ItemSizes {

    private ItemSizes() {
    }

    /** The estimated size of an item in bytes. */
    public static long itemBytes(Map<String, AttributeValue> item) {
        long size = 0;
        for (Map.Entry<String, AttributeValue> entry : item.entrySet()) {
            size += utf8(entry.getKey()) + valueBytes(entry.getValue());
        }
        return size;
    }

    /** The estimated size of one attribute value in bytes. */
    public static long valueBytes(AttributeValue value) {
        switch (value.type()) {
            case S:
                return utf8(value.s());
            case N:
                return Math.min(21, value.n().length()) + 1L;
            case B:
                return value.b().asByteArrayUnsafe().length;
            case BOOL:
            case NUL:
                return 1;
            case SS:
                return value.ss().stream().mapToLong(ItemSizes::utf8).sum();
            case NS:
                return value.ns().stream().mapToLong(n -> Math.min(21, n.length()) + 1L).sum();
            case BS:
                return value.bs().stream().map(SdkBytes::asByteArrayUnsafe).mapToLong(b -> b.length).sum();
            case M:
                long map = 3;
                for (Map.Entry<String, AttributeValue> entry : value.m().entrySet()) {
                    map += 1 + utf8(entry.getKey()) + valueBytes(entry.getValue());
                }
                return map;
            case L:
                long list = 3;
                for (AttributeValue element : value.l()) {
                    list += 1 + valueBytes(element);
                }
                return list;
            default:
                return 0;
        }
    }

    private static long utf8(String text) {
        // exact for ASCII, an upper bound otherwise, without allocating for the common case
        long size = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            size += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
        }
        return size;
    }
}
