package io.github.ddbstreams.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;

import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Identity;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/**
 * The streamed Lambda event JSON ({@link LambdaEvents#writeJson}, behind {@link ChangeRecord#toLambdaEventJson()})
 * is byte for byte the text of the tree rendering it replaced: {@link LambdaEvents#toJsonNode} serialized by a
 * plain {@link ObjectMapper}, as {@code toLambdaEventJson()} used to do.
 */
class LambdaEventsStreamingTest {

    private static final String ARN =
            "arn:aws:dynamodb:us-east-1:123456789012:table/Products/stream/2024-12-20T10:30:00.000";

    /** The oracle's own mapper: a fresh default ObjectMapper, as the tree rendering used. */
    private static final ObjectMapper ORACLE_MAPPER = new ObjectMapper();

    /** Strings that stress escaping: quotes, backslashes, every control character, non-ASCII, surrogates. */
    private static final List<String> ODD_STRINGS = List.of(
            "",
            " ",
            "plain",
            "quote\"inside",
            "back\\slash",
            "slash/</script>",
            controlCharacters(),
            "\u007f\u0080\u009f\u00a0",
            "caf\u00e9 na\u00efve \u00fc\u00df",
            "\u4e2d\u6587 \u65e5\u672c\u8a9e \ud55c\uad6d\uc5b4",
            "\u0627\u0644\u0639\u0631\u0628\u064a\u0629 \u05e2\u05d1\u05e8\u05d9\u05ea",
            "emoji \ud83d\ude00\ud83c\udf89 family \ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67",
            "line\u2028para\u2029sep",
            "bom\ufeff nonchar\uffff\ufffe",
            "lone high \ud800 end",
            "lone low \udc00 end",
            "\udbff",
            "reversed pair \udc00\ud800",
            "{\"S\":\"not json\"}",
            "null",
            "true",
            "12345678901234567890123456789012345678901234567890",
            "x".repeat(10_000));

    /** Number strings are written as they are: odd forms must pass through untouched. */
    private static final List<String> ODD_NUMBERS = List.of(
            "0", "-0", "-0.000", "0.0", "1", "-1", "1.50", "1E+2", "1e-2", "1E+125", "-1E-130",
            "9.9999999999999999999999999999999999999E+125",
            "12345678901234567890123456789012345678",
            "-12345678901234567890123456789012345678",
            "0.12345678901234567890123456789012345678",
            "00012", "+5", ".5", "5.", "1_000", "NaN", "Infinity", "not a number", "");

    private static String controlCharacters() {
        StringBuilder sb = new StringBuilder();
        for (char c = 0; c < 0x20; c++) {
            sb.append(c);
        }
        return sb.toString();
    }

    /** The rendering {@code toLambdaEventJson()} had before streaming, copied as the reference. */
    private static String oracle(ChangeRecord record) {
        try {
            return ORACLE_MAPPER.writeValueAsString(LambdaEvents.toJsonNode(record));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not write the Lambda event JSON of " + record, e);
        }
    }

    private static void assertStreamedEqualsTree(ChangeRecord record) throws Exception {
        String expected = oracle(record);
        // writeJson has no fallback to the tree: this checks the streaming writer itself.
        assertThat(LambdaEvents.writeJson(record)).as("streamed JSON of %s", record).isEqualTo(expected);
        assertThat(record.toLambdaEventJson()).as("toLambdaEventJson of %s", record).isEqualTo(expected);
    }

    /** What a rendering did: its text, or the class, message and cause class of what it threw. */
    private static String outcome(Supplier<String> rendering) {
        try {
            return "json " + rendering.get();
        } catch (RuntimeException e) {
            return "threw " + e.getClass().getName() + ": " + e.getMessage()
                    + (e.getCause() == null ? "" : " caused by " + e.getCause().getClass().getName());
        }
    }

    private static ChangeRecord.Builder base(EventName name) {
        return ChangeRecord.builder()
                .eventId("c81e728d9d4c2f636f067f89cc14862c")
                .eventName(name)
                .eventVersion("1.1")
                .eventSource("aws:dynamodb")
                .awsRegion("us-east-1")
                .keys(Map.of("pk", AttributeValue.fromS("order-0042")))
                .sequenceNumber("111100000000000000000000012345")
                .sizeBytes(180)
                .streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)
                .approximateCreationTime(Instant.parse("2026-11-24T10:00:00Z"))
                .shardId("shardId-1")
                .streamArn(ARN);
    }

    private static Map<String, AttributeValue> everyType() {
        Map<String, AttributeValue> image = new LinkedHashMap<>();
        image.put("s", AttributeValue.fromS("x"));
        image.put("n", AttributeValue.fromN("1.50"));
        image.put("b", AttributeValue.fromB(SdkBytes.fromUtf8String("hi")));
        image.put("ss", AttributeValue.fromSs(List.of("a", "b")));
        image.put("ns", AttributeValue.fromNs(List.of("1", "2.0", "-3E+4")));
        image.put("bs", AttributeValue.fromBs(List.of(SdkBytes.fromUtf8String("hi"), SdkBytes.fromUtf8String("yo"))));
        image.put("m", AttributeValue.fromM(Map.of("k", AttributeValue.fromBool(false))));
        image.put("l", AttributeValue.fromL(List.of(AttributeValue.fromNul(true), AttributeValue.fromS("y"))));
        image.put("nul", AttributeValue.fromNul(true));
        image.put("nulFalse", AttributeValue.fromNul(false));
        image.put("boolTrue", AttributeValue.fromBool(true));
        image.put("boolFalse", AttributeValue.fromBool(false));
        image.put("emptyS", AttributeValue.fromS(""));
        image.put("emptyB", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[0])));
        image.put("emptySs", AttributeValue.fromSs(List.of()));
        image.put("emptyNs", AttributeValue.fromNs(List.of()));
        image.put("emptyBs", AttributeValue.fromBs(List.of()));
        image.put("emptyL", AttributeValue.fromL(List.of()));
        image.put("emptyM", AttributeValue.fromM(Map.of()));
        return image;
    }

    private static Map<String, AttributeValue> nested(int depth) {
        AttributeValue value = AttributeValue.fromS("bottom");
        for (int i = 0; i < depth; i++) {
            value = i % 2 == 0
                    ? AttributeValue.fromM(Map.of("level" + i, value, "n", AttributeValue.fromN(Integer.toString(i))))
                    : AttributeValue.fromL(List.of(value, AttributeValue.fromL(List.of()), AttributeValue.fromM(Map.of())));
        }
        return Map.of("deep", value);
    }

    private static AttributeValue allBytes() {
        byte[] bytes = new byte[256];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        return AttributeValue.fromB(SdkBytes.fromByteArray(bytes));
    }

    @Test
    void writeJson_everyAttributeType_equalsTreeRendering() throws Exception {
        assertStreamedEqualsTree(base(EventName.INSERT).newImage(everyType()).build());
        assertStreamedEqualsTree(base(EventName.MODIFY).newImage(everyType()).oldImage(everyType()).build());
    }

    @Test
    void writeJson_nestedMapsAndLists_equalsTreeRendering() throws Exception {
        // DynamoDB allows 32 levels; go well past it (each level is 2 JSON levels, Jackson's limit is 1000).
        for (int depth : new int[] {0, 1, 2, 3, 10, 32, 100, 400}) {
            assertStreamedEqualsTree(base(EventName.INSERT).newImage(nested(depth)).build());
        }
    }

    @Test
    void writeJson_oddStrings_escapedAsTreeRenderingEscapesThem() throws Exception {
        for (String s : ODD_STRINGS) {
            Map<String, AttributeValue> image = new LinkedHashMap<>();
            image.put(s, AttributeValue.fromS(s));
            image.put("ss", AttributeValue.fromSs(List.of(s, "other")));
            image.put("m", AttributeValue.fromM(Map.of(s, AttributeValue.fromL(List.of(AttributeValue.fromS(s))))));
            assertStreamedEqualsTree(base(EventName.MODIFY).keys(Map.of(s, AttributeValue.fromS(s)))
                    .newImage(image).oldImage(Map.of("k", AttributeValue.fromS(s)))
                    .eventId(s).eventVersion(s).eventSource(s).awsRegion(s).streamArn(s)
                    .userIdentity(Identity.builder().type(s).principalId(s).build())
                    .build());
        }
    }

    @Test
    void writeJson_oddNumbers_keptAsWritten() throws Exception {
        Map<String, AttributeValue> image = new LinkedHashMap<>();
        for (int i = 0; i < ODD_NUMBERS.size(); i++) {
            image.put("n" + i, AttributeValue.fromN(ODD_NUMBERS.get(i)));
        }
        image.put("ns", AttributeValue.fromNs(ODD_NUMBERS));
        ChangeRecord r = base(EventName.INSERT).newImage(image).build();

        assertStreamedEqualsTree(r);
        assertThat(r.toLambdaEventJson()).contains("{\"N\":\"1E+2\"}", "{\"N\":\"-0.000\"}",
                "{\"N\":\"12345678901234567890123456789012345678\"}");
    }

    @Test
    void writeJson_binary_base64AsTreeRendering() throws Exception {
        List<SdkBytes> all = new ArrayList<>();
        Map<String, AttributeValue> image = new LinkedHashMap<>();
        Random random = new Random(42);
        for (int length = 0; length <= 70; length++) {
            byte[] bytes = new byte[length];
            random.nextBytes(bytes);
            all.add(SdkBytes.fromByteArray(bytes));
            image.put("b" + length, AttributeValue.fromB(SdkBytes.fromByteArray(bytes)));
        }
        image.put("bs", AttributeValue.fromBs(all));
        image.put("allBytes", allBytes());
        byte[] large = new byte[300_000];
        random.nextBytes(large);
        image.put("large", AttributeValue.fromB(SdkBytes.fromByteArray(large)));
        // Backed by a read-only ByteBuffer: asByteArrayUnsafe has to copy.
        image.put("buffer", AttributeValue.fromB(SdkBytes.fromByteBuffer(
                java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5}).asReadOnlyBuffer())));

        assertStreamedEqualsTree(base(EventName.INSERT).newImage(image).build());
    }

    @Test
    void writeJson_everyViewTypeAndEventName_equalsTreeRendering() throws Exception {
        List<StreamViewType> viewTypes = new ArrayList<>(Arrays.asList(StreamViewType.values()));
        viewTypes.add(null);
        viewTypes.add(StreamViewType.fromValue("SOMETHING_NEW"));
        for (EventName name : EventName.values()) {
            for (StreamViewType viewType : viewTypes) {
                ChangeRecord.Builder b = base(name).streamViewType(viewType);
                boolean newImage = viewType == StreamViewType.NEW_IMAGE || viewType == StreamViewType.NEW_AND_OLD_IMAGES;
                boolean oldImage = viewType == StreamViewType.OLD_IMAGE || viewType == StreamViewType.NEW_AND_OLD_IMAGES;
                if (newImage && name != EventName.REMOVE) {
                    b.newImage(everyType());
                }
                if (oldImage && name != EventName.INSERT) {
                    b.oldImage(everyType());
                }
                assertStreamedEqualsTree(b.build());
            }
        }
    }

    @Test
    void writeJson_userIdentityAndOptionalFields_equalsTreeRendering() throws Exception {
        List<Identity> identities = Arrays.asList(null,
                Identity.builder().type("Service").principalId("dynamodb.amazonaws.com").build(),
                Identity.builder().type("Service").build(),
                Identity.builder().principalId("dynamodb.amazonaws.com").build(),
                Identity.builder().build());
        for (Identity identity : identities) {
            ChangeRecord ttlDelete = base(EventName.REMOVE).oldImage(everyType()).userIdentity(identity).build();
            assertStreamedEqualsTree(ttlDelete);
        }
        assertStreamedEqualsTree(ChangeRecord.builder().eventName(EventName.INSERT).sequenceNumber("5").build());
        assertStreamedEqualsTree(base(EventName.REMOVE).keys(Map.of()).approximateCreationTime(null)
                .streamViewType(null).build());
        for (Instant t : List.of(Instant.MIN, Instant.MAX, Instant.EPOCH, Instant.ofEpochSecond(-1, 999_999_999),
                Instant.parse("+58868-01-01T00:00:00Z"))) {
            assertStreamedEqualsTree(base(EventName.INSERT).approximateCreationTime(t).build());
        }
        for (long size : new long[] {0, -1, Long.MIN_VALUE, Long.MAX_VALUE}) {
            assertStreamedEqualsTree(base(EventName.INSERT).sizeBytes(size).build());
        }
        assertStreamedEqualsTree(base(EventName.INSERT).sequenceNumber("9".repeat(60)).build());
    }

    @Test
    void writeJson_randomRecords_equalTreeRendering() throws Exception {
        RandomRecords random = new RandomRecords(new Random(20261124L));
        for (int i = 0; i < 4000; i++) {
            ChangeRecord r = random.record();
            String expected = oracle(r);
            assertThat(LambdaEvents.writeJson(r)).as("random record %d", i).isEqualTo(expected);
            assertThat(r.toLambdaEventJson()).as("random record %d", i).isEqualTo(expected);
        }
    }

    @Test
    void toJson_isThreadSafe_underConcurrentCalls() throws Exception {
        RandomRecords random = new RandomRecords(new Random(7));
        List<ChangeRecord> records = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            records.add(random.record());
        }
        List<String> expected = records.stream().map(LambdaEventsStreamingTest::oracle).toList();

        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int offset = t;
            threads.add(new Thread(() -> {
                for (int round = 0; round < 20; round++) {
                    for (int i = 0; i < records.size(); i++) {
                        int index = (i + offset * 50) % records.size();
                        if (!expected.get(index).equals(records.get(index).toLambdaEventJson())) {
                            failures.add("record " + index);
                        }
                    }
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join();
        }

        assertThat(failures).isEmpty();
    }

    @Test
    void toJson_invalidValues_failOrRenderExactlyAsTreeRendering() {
        Map<String, AttributeValue> nullValue = new LinkedHashMap<>();
        nullValue.put("ok", AttributeValue.fromS("x"));
        nullValue.put("missing", null);
        Map<String, AttributeValue> nullKey = new HashMap<>();
        nullKey.put(null, AttributeValue.fromS("x"));
        List<Map<String, AttributeValue>> images = List.of(
                Map.of("m", AttributeValue.fromM(Map.of("bad", AttributeValue.builder().build()))),
                Map.of("l", AttributeValue.fromL(List.of(AttributeValue.fromS("a"), AttributeValue.builder().build()))),
                Map.of("twoTypes", AttributeValue.builder().s("x").n("1").build()),
                Map.of("m", AttributeValue.fromM(nullValue)),
                Map.of("l", AttributeValue.fromL(Arrays.asList(AttributeValue.fromS("a"), null))),
                Map.of("ss", AttributeValue.fromSs(Arrays.asList("a", null))),
                Map.of("bs", AttributeValue.fromBs(Arrays.asList(SdkBytes.fromUtf8String("a"), null))),
                Map.of("m", AttributeValue.fromM(nullKey)),
                nullValue,
                // Deeper than Jackson's nesting limit (1000 JSON levels): both renderings refuse it.
                nested(600));
        for (Map<String, AttributeValue> image : images) {
            ChangeRecord r = base(EventName.INSERT).newImage(image).build();

            assertThat(outcome(r::toLambdaEventJson)).isEqualTo(outcome(() -> oracle(r)));
        }
    }

    @Test
    void toJson_untypedNestedAttribute_failsNamingItsPath() {
        ChangeRecord r = base(EventName.INSERT).newImage(Map.of("m", AttributeValue.fromM(Map.of("l",
                AttributeValue.fromL(List.of(AttributeValue.fromN("1"), AttributeValue.builder().build())))))).build();

        assertThatThrownBy(r::toLambdaEventJson)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("attribute 'm.l[1]' has no type set (an empty AttributeValue, or a type unknown to this "
                        + "SDK version)");
    }

    /** Random records of every shape, from a seeded {@link Random}: the same records on every run. */
    private static final class RandomRecords {

        private static final AttributeValue.Type[] TYPES = {
            AttributeValue.Type.S, AttributeValue.Type.N, AttributeValue.Type.B, AttributeValue.Type.BOOL,
            AttributeValue.Type.NUL, AttributeValue.Type.SS, AttributeValue.Type.NS, AttributeValue.Type.BS,
            AttributeValue.Type.L, AttributeValue.Type.M};
        private static final StreamViewType[] VIEW_TYPES = StreamViewType.values();

        private final Random random;

        RandomRecords(Random random) {
            this.random = random;
        }

        ChangeRecord record() {
            EventName name = EventName.values()[random.nextInt(EventName.values().length)];
            StreamViewType viewType = random.nextInt(10) == 0 ? null : VIEW_TYPES[random.nextInt(VIEW_TYPES.length)];
            boolean newImage = viewType == null || viewType == StreamViewType.NEW_IMAGE
                    || viewType == StreamViewType.NEW_AND_OLD_IMAGES || viewType == StreamViewType.UNKNOWN_TO_SDK_VERSION;
            boolean oldImage = viewType == null || viewType == StreamViewType.OLD_IMAGE
                    || viewType == StreamViewType.NEW_AND_OLD_IMAGES || viewType == StreamViewType.UNKNOWN_TO_SDK_VERSION;
            ChangeRecord.Builder b = ChangeRecord.builder()
                    .eventName(name)
                    .sequenceNumber(digits(1 + random.nextInt(40)))
                    .sizeBytes(random.nextInt(4) == 0 ? random.nextLong() : random.nextInt(400_000))
                    .streamViewType(viewType)
                    .keys(random.nextInt(20) == 0 ? null : image(1 + random.nextInt(2), 0));
            if (random.nextBoolean()) {
                b.eventId(digits(32)).eventVersion("1.1").eventSource("aws:dynamodb").awsRegion("eu-west-1")
                        .streamArn(ARN);
            } else if (random.nextBoolean()) {
                b.eventId(string()).eventVersion(string()).eventSource(string()).awsRegion(string())
                        .streamArn(string());
            }
            if (random.nextInt(5) != 0) {
                b.approximateCreationTime(random.nextInt(10) == 0
                        ? Instant.ofEpochSecond(random.nextLong() % Instant.MAX.getEpochSecond(), random.nextInt(1_000_000_000))
                        : Instant.ofEpochSecond(1_600_000_000L + random.nextInt(400_000_000)));
            }
            if (newImage && name != EventName.REMOVE) {
                b.newImage(image(random.nextInt(8), 4));
            }
            if (oldImage && name != EventName.INSERT) {
                b.oldImage(image(random.nextInt(8), 4));
            }
            if (name == EventName.REMOVE && random.nextInt(3) == 0) {
                b.userIdentity(random.nextInt(4) == 0
                        ? Identity.builder().type(random.nextBoolean() ? string() : null)
                                .principalId(random.nextBoolean() ? string() : null).build()
                        : Identity.builder().type("Service").principalId("dynamodb.amazonaws.com").build());
            }
            return b.build();
        }

        private Map<String, AttributeValue> image(int size, int depth) {
            // Several map kinds: insertion order, sorted order and hash order must all be followed as iterated.
            Map<String, AttributeValue> map = switch (random.nextInt(3)) {
                case 0 -> new LinkedHashMap<>();
                case 1 -> new TreeMap<>();
                default -> new HashMap<>();
            };
            for (int i = 0; i < size; i++) {
                map.put(random.nextInt(3) == 0 ? string() : "attr" + random.nextInt(100), value(depth));
            }
            return map;
        }

        private AttributeValue value(int depth) {
            AttributeValue.Type type = TYPES[random.nextInt(depth > 0 ? TYPES.length : TYPES.length - 2)];
            return switch (type) {
                case S -> AttributeValue.fromS(string());
                case N -> AttributeValue.fromN(number());
                case B -> AttributeValue.fromB(bytes());
                case BOOL -> AttributeValue.fromBool(random.nextBoolean());
                case NUL -> AttributeValue.fromNul(random.nextInt(5) != 0);
                case SS -> AttributeValue.fromSs(list(this::string));
                case NS -> AttributeValue.fromNs(list(this::number));
                case BS -> AttributeValue.fromBs(list(this::bytes));
                case L -> AttributeValue.fromL(list(() -> value(depth - 1)));
                case M -> AttributeValue.fromM(image(random.nextInt(5), depth - 1));
                default -> throw new AssertionError(type);
            };
        }

        private <T> List<T> list(Supplier<T> element) {
            int size = random.nextInt(5);
            List<T> list = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                list.add(element.get());
            }
            return list;
        }

        private String string() {
            if (random.nextInt(8) == 0) {
                return ODD_STRINGS.get(random.nextInt(ODD_STRINGS.size() - 1)); // all but the 10,000-char one
            }
            int length = random.nextInt(24);
            StringBuilder sb = new StringBuilder(length);
            for (int i = 0; i < length; i++) {
                switch (random.nextInt(12)) {
                    case 0 -> sb.append((char) random.nextInt(0x20)); // control characters
                    case 1 -> sb.append("\"\\/'<>&".charAt(random.nextInt(7)));
                    case 2 -> sb.append((char) (0x80 + random.nextInt(0x780))); // 2-byte UTF-8
                    case 3 -> sb.append((char) (0x800 + random.nextInt(0xD000))); // 3-byte UTF-8, below surrogates
                    case 4 -> sb.appendCodePoint(0x10000 + random.nextInt(0x100000)); // surrogate pair
                    case 5 -> sb.append((char) (0xD800 + random.nextInt(0x800))); // lone surrogate
                    case 6 -> sb.append((char) (0xE000 + random.nextInt(0x2000))); // private use to U+FFFF
                    default -> sb.append((char) (0x20 + random.nextInt(0x5F))); // printable ASCII
                }
            }
            return sb.toString();
        }

        private String number() {
            if (random.nextInt(4) == 0) {
                return ODD_NUMBERS.get(random.nextInt(ODD_NUMBERS.size()));
            }
            StringBuilder sb = new StringBuilder();
            if (random.nextBoolean()) {
                sb.append('-');
            }
            sb.append(digits(1 + random.nextInt(38)));
            if (random.nextBoolean()) {
                sb.insert(sb.length() - random.nextInt(sb.length() - (sb.charAt(0) == '-' ? 1 : 0)), '.');
            }
            if (random.nextInt(4) == 0) {
                sb.append(random.nextBoolean() ? 'E' : 'e').append("+-".charAt(random.nextInt(2)))
                        .append(random.nextInt(131));
            }
            return sb.toString();
        }

        private SdkBytes bytes() {
            byte[] bytes = new byte[random.nextInt(random.nextInt(10) == 0 ? 2000 : 40)];
            random.nextBytes(bytes);
            return SdkBytes.fromByteArray(bytes);
        }

        private String digits(int count) {
            StringBuilder sb = new StringBuilder(count);
            for (int i = 0; i < count; i++) {
                sb.append((char) ('0' + random.nextInt(10)));
            }
            return sb.toString();
        }
    }
}
