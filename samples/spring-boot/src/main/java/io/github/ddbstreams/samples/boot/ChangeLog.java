package io.github.ddbstreams.samples.boot;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.github.ddbstreams.record.ChangeRecord;

/** The changes the pipeline processed, in order: what the sample prints at the end and its test checks. */
public final class ChangeLog {

    private final List<ChangeRecord> records = new ArrayList<>();

    synchronized void add(ChangeRecord record) {
        records.add(record);
    }

    /** How many changes were processed. */
    public synchronized int size() {
        return records.size();
    }

    /** The processed changes, oldest first. */
    public synchronized List<ChangeRecord> records() {
        return List.copyOf(records);
    }

    /** Counts by event name, e.g. {@code {INSERT=12, MODIFY=15, REMOVE=3}}. */
    public synchronized Map<String, Integer> countsByEventName() {
        Map<String, Integer> counts = new TreeMap<>();
        records.forEach(record -> counts.merge(record.eventName().name(), 1, Integer::sum));
        return counts;
    }
}
