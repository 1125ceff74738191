package io.github.ddbstreams.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class AckWatermarkTest {

    /** A slot numbered in tracking order. */
    private static final class Numbered extends AckWatermark.Slot {
        final int number;

        Numbered(int number) {
            this.number = number;
        }

        @Override
        public String toString() {
            return "#" + number;
        }
    }

    @Test
    void acknowledge_outOfOrder_releasesOnlyTheAcknowledgedPrefix() {
        AckWatermark<Numbered> watermark = new AckWatermark<>();
        Numbered first = new Numbered(1);
        Numbered second = new Numbered(2);
        Numbered third = new Numbered(3);
        watermark.track(first);
        watermark.track(second);
        watermark.track(third);

        assertThat(watermark.acknowledge(third)).isTrue();
        assertThat(watermark.lastReleased()).isNull();
        assertThat(watermark.acknowledge(first)).isTrue();
        assertThat(watermark.lastReleased()).isSameAs(first);
        assertThat(watermark.acknowledge(first)).as("a second acknowledgement").isFalse();
        assertThat(watermark.acknowledge(second)).isTrue();

        assertThat(watermark.lastReleased()).isSameAs(third);
        assertThat(watermark.isEmpty()).isTrue();
        assertThat(watermark.unacknowledged()).isZero();
    }

    @Test
    void trackAcknowledged_withNothingPending_releasesAtOnce() {
        AckWatermark<Numbered> watermark = new AckWatermark<>();
        Numbered skipped = new Numbered(1);

        assertThat(watermark.trackAcknowledged(skipped)).isTrue();

        assertThat(watermark.lastReleased()).isSameAs(skipped);
        assertThat(watermark.size()).isZero();
    }

    @Test
    void track_sameSlotTwice_isRefused() {
        AckWatermark<Numbered> watermark = new AckWatermark<>();
        Numbered slot = new Numbered(1);
        watermark.track(slot);

        assertThatThrownBy(() -> watermark.track(slot))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("slot #1 is tracked already");
    }

    @Test
    void acknowledge_ofSlotUntrackedOrOfAnotherWatermark_changesNothingHere() {
        AckWatermark<Numbered> watermark = new AckWatermark<>();
        AckWatermark<Numbered> other = new AckWatermark<>();
        Numbered kept = new Numbered(1);
        Numbered dropped = new Numbered(2);
        Numbered foreign = new Numbered(3);
        watermark.track(kept);
        watermark.track(dropped);
        other.track(foreign);
        assertThat(watermark.untrackLastWhile(slot -> slot.number >= 2)).isEqualTo(1);

        assertThat(watermark.acknowledge(dropped)).isFalse();
        assertThat(watermark.acknowledge(foreign)).isFalse();

        assertThat(watermark.unacknowledged()).isEqualTo(1);
        assertThat(watermark.oldestUnacknowledged()).isSameAs(kept);
        assertThat(other.unacknowledged()).as("the other watermark's count").isEqualTo(1);
    }

    /**
     * Random interleavings of tracking, acknowledging (in any order, repeated), skipping and untracking, each
     * checked after every step against a model: the list of slots tracked (minus those untracked), where the
     * watermark is the last slot of the longest acknowledged prefix.
     */
    @Test
    void randomAcknowledgementOrders_matchTheLongestAcknowledgedPrefix() {
        for (long seed = 1; seed <= 1_000; seed++) {
            runRandom(seed);
        }
    }

    private static void runRandom(long seed) {
        Random random = new Random(seed);
        AckWatermark<Numbered> watermark = new AckWatermark<>();
        List<Numbered> model = new ArrayList<>();
        List<Boolean> acknowledged = new ArrayList<>();
        List<Numbered> everTracked = new ArrayList<>();
        int next = 0;
        int steps = 1 + random.nextInt(120);
        for (int step = 0; step < steps; step++) {
            int op = random.nextInt(10);
            String context = "seed " + seed + " step " + step;
            if (op < 4 || everTracked.isEmpty()) {
                Numbered slot = new Numbered(next++);
                watermark.track(slot);
                model.add(slot);
                acknowledged.add(false);
                everTracked.add(slot);
            } else if (op == 4) {
                Numbered slot = new Numbered(next++);
                boolean prefixBefore = prefix(acknowledged) == acknowledged.size();
                boolean moved = watermark.trackAcknowledged(slot);
                assertThat(moved).as(context + ": skip with nothing pending").isEqualTo(prefixBefore);
                model.add(slot);
                acknowledged.add(true);
                everTracked.add(slot);
            } else if (op == 5) {
                int released = prefix(acknowledged);
                int cut = model.size() - random.nextInt(model.size() - released + 1);
                int threshold = cut < model.size() ? model.get(cut).number : Integer.MAX_VALUE;
                int removed = watermark.untrackLastWhile(slot -> slot.number >= threshold);
                assertThat(removed).as(context + ": untracked").isEqualTo(model.size() - cut);
                model.subList(cut, model.size()).clear();
                acknowledged.subList(cut, acknowledged.size()).clear();
            } else {
                Numbered slot = everTracked.get(random.nextInt(everTracked.size()));
                int index = model.indexOf(slot);
                boolean expected = index >= 0 && !acknowledged.get(index) && !slot.isAcknowledged();
                boolean counted = watermark.acknowledge(slot);
                assertThat(counted).as(context + ": acknowledge " + slot + " counted").isEqualTo(expected);
                if (index >= 0) {
                    acknowledged.set(index, true);
                }
            }
            check(watermark, model, acknowledged, context);
        }
    }

    private static void check(AckWatermark<Numbered> watermark, List<Numbered> model, List<Boolean> acknowledged,
            String context) {
        int prefix = prefix(acknowledged);
        if (prefix > 0) {
            assertThat(watermark.lastReleased()).as(context + ": watermark").isSameAs(model.get(prefix - 1));
        }
        assertThat(watermark.size()).as(context + ": pending").isEqualTo(model.size() - prefix);
        assertThat(watermark.isEmpty()).as(context + ": empty").isEqualTo(prefix == model.size());
        int firstUnacknowledged = acknowledged.indexOf(false);
        assertThat(watermark.unacknowledged()).as(context + ": unacknowledged")
                .isEqualTo((int) acknowledged.stream().filter(a -> !a).count());
        assertThat(watermark.oldestUnacknowledged()).as(context + ": oldest unacknowledged")
                .isSameAs(firstUnacknowledged < 0 ? null : model.get(firstUnacknowledged));
        assertThat(watermark.newest()).as(context + ": newest")
                .isSameAs(prefix == model.size() ? null : model.get(model.size() - 1));
    }

    /** The length of the longest acknowledged prefix. */
    private static int prefix(List<Boolean> acknowledged) {
        int n = 0;
        while (n < acknowledged.size() && acknowledged.get(n)) {
            n++;
        }
        return n;
    }
}
