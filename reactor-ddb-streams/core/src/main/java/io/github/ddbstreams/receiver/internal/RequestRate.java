package io.github.ddbstreams.receiver.internal;

import java.util.function.LongSupplier;

/**
 * Requests of the last minute, as a rate per hour: 60 one-second buckets on the session's clock. Any thread
 * adds; a gauge reads. Before a minute has passed the rate is over the time since the first request.
 */
final class RequestRate {

    private static final int SECONDS = 60;

    private final LongSupplier clockMillis;
    private final long[] second = new long[SECONDS];
    private final long[] count = new long[SECONDS];
    private long firstSecond = -1;

    RequestRate(LongSupplier clockMillis) {
        this.clockMillis = clockMillis;
    }

    synchronized void add() {
        long now = Math.floorDiv(clockMillis.getAsLong(), 1000);
        int slot = (int) Math.floorMod(now, SECONDS);
        if (second[slot] != now || firstSecond < 0) {
            second[slot] = now;
            count[slot] = 0;
        }
        count[slot]++;
        if (firstSecond < 0) {
            firstSecond = now;
        }
    }

    /** Requests per hour over the last minute (0 before any request). */
    synchronized double perHour() {
        if (firstSecond < 0) {
            return 0;
        }
        long now = Math.floorDiv(clockMillis.getAsLong(), 1000);
        long sum = 0;
        for (int i = 0; i < SECONDS; i++) {
            if (second[i] > now - SECONDS && second[i] <= now) {
                sum += count[i];
            }
        }
        long window = Math.min(SECONDS, now - firstSecond + 1);
        return sum * 3600.0 / window;
    }
}
