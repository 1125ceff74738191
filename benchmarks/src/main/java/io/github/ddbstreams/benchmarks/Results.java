package io.github.ddbstreams.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** What the end-to-end benchmark measured, with medians, ratios and writers (JSON, CSV, Markdown, PNG). */
final class Results {

    /** One drain of the pre-written stream by one contender. Seconds are from {@code start()}. */
    record DrainRun(String contender, int repetition, long records, double firstRecordSeconds, double drainSeconds,
            double drainRecordsPerSecond, double overallRecordsPerSecond, long getRecordsCalls, double loadAverage) {
    }

    /** Put-completed → processed latency in ms under a steady write rate, then the idle GetRecords rate. */
    record LatencyRun(String contender, double putsPerSecond, long records, long missing, double p50Ms, double p90Ms, double p99Ms,
            double maxMs, double writingGetRecordsPerSecond, double idleGetRecordsPerSecond, double firstRecordSeconds,
            double loadAverage) {
    }

    /**
     * One contender at one write rate of the latency/cost front: GetRecords calls/s while writing (rate 0: while
     * idle) and the put → processed latency in ms (NaN at rate 0).
     */
    record FrontRun(String contender, int writesPerSecond, double putsPerSecond, long records, long missing, double p50Ms,
            double p90Ms, double p99Ms, double maxMs, double getRecordsPerSecond, double loadAverage) {

        /** GetRecords calls per record written (NaN at rate 0). */
        double callsPerRecord() {
            return writesPerSecond == 0 ? Double.NaN : getRecordsPerSecond / putsPerSecond;
        }
    }

    /** AWS list price of one million streams read request units (GetRecords calls), us-east-1, in USD. */
    static final double PRICE_PER_MILLION_READS = 0.20;
    /** Lambda's polling rate of a DynamoDB stream shard (free of charge): the reference line. */
    static final double LAMBDA_CALLS_PER_SECOND = 4;
    /** Seconds in a 30-day month. */
    static final double SECONDS_PER_MONTH = 30 * 24 * 3600;

    /** Heap used after {@code System.gc()} at a time since subscribe, with the records processed by then. */
    record MemorySample(double seconds, double heapAfterGcMb, long recordsProcessed) {
    }

    /** A contender's medians over its drain runs. */
    record DrainSummary(String contender, int runs, double drainRecordsPerSecond, double overallRecordsPerSecond,
            double firstRecordSeconds, double getRecordsCalls, double recordsPerGetRecords) {
    }

    static final Map<String, String> NAMES = Map.of(
            "a", "(a) bare GetRecords loop",
            "b", "(b) DynamoDbStreamsReceiver",
            "bl", "(bl) DynamoDbStreamsReceiver, Pacing.LOW_LATENCY",
            "bf", "(b') DynamoDbStreamsReceiver, fixed 250 ms pause",
            "c1", "(c1) KCL 3.1.1 + adapter, defaults",
            "c2", "(c2) KCL 3.1.1 + adapter, tuned");

    /** The contender's name in tables: (b) with a minimum pause of N ms is {@code bN}. */
    static String name(String contender) {
        if (contender.matches("b\\d+")) {
            return "(b) DynamoDbStreamsReceiver, LOW_LATENCY, minPollInterval " + contender.substring(1) + " ms";
        }
        return NAMES.getOrDefault(contender, contender);
    }

    EndToEndBenchmark.Options options;
    Map<String, Object> machine;
    final List<DrainRun> drain = new ArrayList<>();
    final List<LatencyRun> latency = new ArrayList<>();
    final List<MemorySample> memory = new ArrayList<>();
    final List<FrontRun> front = new ArrayList<>();
    double memorySinkRate;
    long memoryRecordsRead;
    double memorySeconds;

    static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("date", Instant.now().toString());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("maxHeapMb", Runtime.getRuntime().maxMemory() / 1048576);
        m.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        m.put("jvmArgs", ManagementFactory.getRuntimeMXBean().getInputArguments());
        return m;
    }

    /** Reads the drain runs of an earlier run from its {@code e2e-drain.csv}. */
    static List<DrainRun> readDrainCsv(Path csv) throws IOException {
        List<DrainRun> runs = new ArrayList<>();
        for (String line : Files.readAllLines(csv).subList(1, Files.readAllLines(csv).size())) {
            String[] f = line.split(",");
            runs.add(new DrainRun(f[0], Integer.parseInt(f[1]), Long.parseLong(f[2]), Double.parseDouble(f[3]),
                    Double.parseDouble(f[4]), Double.parseDouble(f[5]), Double.parseDouble(f[6]), Long.parseLong(f[7]),
                    Double.parseDouble(f[8])));
        }
        return runs;
    }

    /**
     * Reads the runs, latency runs and memory samples of an earlier run from its {@code e2e-results.json} (to
     * redraw its chart and summary); the options are the ones given now.
     */
    static Results readJson(Path json, EndToEndBenchmark.Options options) throws IOException {
        ObjectMapper mapper = new ObjectMapper()
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        JsonNode root = mapper.readTree(json.toFile());
        Results results = new Results();
        results.options = options;
        results.machine = mapper.convertValue(root.get("machine"), new TypeReference<>() { });
        for (JsonNode n : root.get("drainRuns")) {
            results.drain.add(mapper.treeToValue(n, DrainRun.class));
        }
        for (JsonNode n : root.get("latency")) {
            results.latency.add(mapper.treeToValue(n, LatencyRun.class));
        }
        if (root.has("front")) {
            for (JsonNode n : root.get("front")) {
                results.front.add(mapper.treeToValue(n, FrontRun.class));
            }
        }
        JsonNode memory = root.get("memory");
        for (JsonNode n : memory.get("samples")) {
            results.memory.add(mapper.treeToValue(n, MemorySample.class));
        }
        results.memorySinkRate = memory.get("sinkRecordsPerSecond").asDouble();
        results.memoryRecordsRead = memory.get("recordsRead").asLong();
        results.memorySeconds = memory.get("seconds").asDouble();
        return results;
    }

    long drainCount(String contender) {
        return drain.stream().filter(r -> r.contender().equals(contender)).count();
    }

    List<DrainSummary> drainSummaries() {
        List<DrainSummary> out = new ArrayList<>();
        for (String c : List.of("a", "b", "c1", "c2")) {
            List<DrainRun> runs = drain.stream().filter(r -> r.contender().equals(c)).toList();
            if (runs.isEmpty()) {
                continue;
            }
            double calls = median(runs, r -> r.getRecordsCalls());
            out.add(new DrainSummary(c, runs.size(), median(runs, DrainRun::drainRecordsPerSecond),
                    median(runs, DrainRun::overallRecordsPerSecond), median(runs, DrainRun::firstRecordSeconds), calls,
                    median(runs, r -> r.records() / (double) Math.max(1, r.getRecordsCalls()))));
        }
        return out;
    }

    private static <T> double median(List<T> values, ToDoubleFunction<T> f) {
        double[] v = values.stream().mapToDouble(f).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private DrainSummary summary(String contender) {
        return drainSummaries().stream().filter(s -> s.contender().equals(contender)).findFirst().orElse(null);
    }

    private LatencyRun latencyOf(String contender) {
        return latency.stream().filter(r -> r.contender().equals(contender)).findFirst().orElse(null);
    }

    /** The results as Markdown tables (drain medians, ratios, latency and cost, memory). */
    String markdown() {
        StringBuilder md = new StringBuilder();
        List<DrainSummary> summaries = drainSummaries();
        if (!summaries.isEmpty()) {
            md.append(String.format(Locale.ROOT, "Drain of %,d pre-written changes from TRIM_HORIZON (median of runs)%n%n",
                    drain.get(0).records()));
            md.append("| contender | runs | drain records/s (first→last) | records/s incl. start-up | first record after (s) | GetRecords calls | records per call |\n");
            md.append("|---|---:|---:|---:|---:|---:|---:|\n");
            for (DrainSummary s : summaries) {
                md.append(String.format(Locale.ROOT, "| %s | %d | %,.0f | %,.0f | %.2f | %,.0f | %.0f |%n", name(s.contender()),
                        s.runs(), s.drainRecordsPerSecond(), s.overallRecordsPerSecond(), s.firstRecordSeconds(),
                        s.getRecordsCalls(), s.recordsPerGetRecords()));
            }
            DrainSummary b = summary("b");
            if (b != null) {
                md.append("\nRatios of drain throughput (first→last record; in parentheses including start-up):");
                for (String other : List.of("a", "c1", "c2")) {
                    DrainSummary o = summary(other);
                    if (o != null) {
                        md.append(String.format(Locale.ROOT, " (b)/(%s) = %.2f (%.2f);", other,
                                b.drainRecordsPerSecond() / o.drainRecordsPerSecond(),
                                b.overallRecordsPerSecond() / o.overallRecordsPerSecond()));
                    }
                }
                md.append("\n");
            }
            md.append("\nRuns: ");
            for (DrainRun r : drain) {
                md.append(String.format(Locale.ROOT, "%s#%d %,.0f/s first %.2fs load %.2f; ", r.contender(), r.repetition(),
                        r.drainRecordsPerSecond(), r.firstRecordSeconds(), r.loadAverage()));
            }
            md.append("\n\n");
        }
        if (!latency.isEmpty()) {
            md.append(String.format(Locale.ROOT, "Latency at %d puts/s for %d s, then %d s idle%n%n", options.rate,
                    options.writeSeconds, options.idleSeconds));
            md.append("| contender | puts/s achieved | records | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) | GetRecords/s while writing | GetRecords/s while idle | first record after (s) | load |\n");
            md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (LatencyRun r : latency) {
                md.append(String.format(Locale.ROOT, "| %s | %.0f | %,d%s | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f | %.2f | %.2f |%n",
                        name(r.contender()), r.putsPerSecond(), r.records(), r.missing() > 0 ? " (" + r.missing() + " missing)" : "",
                        r.p50Ms(), r.p90Ms(), r.p99Ms(), r.maxMs(), r.writingGetRecordsPerSecond(), r.idleGetRecordsPerSecond(),
                        r.firstRecordSeconds(), r.loadAverage()));
            }
            LatencyRun b = latencyOf("b");
            if (b != null) {
                md.append("\np50 ratios:");
                for (String other : List.of("c1", "c2")) {
                    LatencyRun o = latencyOf(other);
                    if (o != null) {
                        md.append(String.format(Locale.ROOT, " (b)/(%s) = %.3f;", other, b.p50Ms() / o.p50Ms()));
                    }
                }
                md.append("\n\n");
            }
        }
        if (!front.isEmpty()) {
            md.append(frontMarkdown());
        }
        if (!memory.isEmpty()) {
            double min = memory.stream().skip(1).mapToDouble(MemorySample::heapAfterGcMb).min().orElse(Double.NaN);
            double max = memory.stream().skip(1).mapToDouble(MemorySample::heapAfterGcMb).max().orElse(Double.NaN);
            md.append(String.format(Locale.ROOT, "Memory: (b) with a sink %.0fx slower than its source (%,.0f records/s): "
                            + "%,d records in %.0f s; heap after GC before subscribe %.0f MB, while reading min %.0f MB, max %.0f MB, "
                            + "last %.0f MB (%d samples)%n",
                    options.sinkSlowdown, memorySinkRate, memoryRecordsRead, memorySeconds, memory.get(0).heapAfterGcMb(),
                    min, max, memory.get(memory.size() - 1).heapAfterGcMb(), memory.size() - 1));
        }
        return md.toString();
    }

    /** The front, sorted by contender then write rate. */
    List<FrontRun> frontSorted() {
        List<String> order = front.stream().map(FrontRun::contender).distinct().toList();
        return front.stream().sorted(java.util.Comparator.comparingInt((FrontRun r) -> order.indexOf(r.contender()))
                .thenComparingInt(FrontRun::writesPerSecond)).toList();
    }

    private FrontRun frontOf(String contender, int rate) {
        return front.stream().filter(r -> r.contender().equals(contender) && r.writesPerSecond() == rate).findFirst().orElse(null);
    }

    private String frontMarkdown() {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Latency/cost front: one shard, %d s per write rate (rate 0: a shard nobody writes"
                + " to, measured after %d s without writes); cost at %.2f USD per million GetRecords%n%n",
                options.frontSeconds, options.frontIdleSettleSeconds, PRICE_PER_MILLION_READS));
        md.append("| contender | writes/s | GetRecords/s | calls per record | USD per million records | USD per shard-month"
                + " | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) | records | load |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (FrontRun r : frontSorted()) {
            boolean idle = r.writesPerSecond() == 0;
            md.append(String.format(Locale.ROOT, "| %s | %d | %.2f | %s | %s | %.2f | %s | %s | %s | %s | %s | %.2f |%n",
                    name(r.contender()), r.writesPerSecond(), r.getRecordsPerSecond(),
                    idle ? "–" : String.format(Locale.ROOT, "%.3f", r.callsPerRecord()),
                    idle ? "–" : String.format(Locale.ROOT, "%.3f", r.callsPerRecord() * PRICE_PER_MILLION_READS),
                    r.getRecordsPerSecond() * SECONDS_PER_MONTH * PRICE_PER_MILLION_READS / 1e6,
                    ms(r.p50Ms()), ms(r.p90Ms()), ms(r.p99Ms()), ms(r.maxMs()),
                    idle ? "–" : r.records() + (r.missing() > 0 ? " (" + r.missing() + " missing)" : ""), r.loadAverage()));
        }
        md.append(String.format(Locale.ROOT, "| Lambda trigger (reference, published rate) | any | %.2f | – | 0 (free) | 0 (free) |"
                + " – | – | – | – | – | – |%n", LAMBDA_CALLS_PER_SECOND));
        md.append("\np50 ratios to (c1) (KCL defaults) at the same rate:");
        for (FrontRun r : frontSorted()) {
            FrontRun kcl = frontOf("c1", r.writesPerSecond());
            if (!r.contender().equals("c1") && r.writesPerSecond() > 0 && kcl != null) {
                md.append(String.format(Locale.ROOT, " %s@%d/s %.3f;", r.contender(), r.writesPerSecond(), r.p50Ms() / kcl.p50Ms()));
            }
        }
        return md.append("\n\n").toString();
    }

    private static String ms(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.1f", v);
    }

    /** Writes e2e-results.json, e2e-drain.csv, e2e-latency.csv, e2e-memory.csv, e2e-summary.md and e2e-chart.png. */
    void write(Path dir) {
        try {
            Files.createDirectories(dir);
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("machine", machine);
            json.put("options", options.toString());
            json.put("drainRuns", drain);
            json.put("drainMedians", drainSummaries());
            json.put("latency", latency);
            json.put("front", frontSorted());
            Map<String, Object> mem = new LinkedHashMap<>();
            mem.put("sinkRecordsPerSecond", memorySinkRate);
            mem.put("recordsRead", memoryRecordsRead);
            mem.put("seconds", memorySeconds);
            mem.put("samples", memory);
            json.put("memory", mem);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("e2e-results.json").toFile(), json);

            StringBuilder csv = new StringBuilder("contender,repetition,records,first_record_s,drain_s,drain_records_per_s,"
                    + "overall_records_per_s,getrecords_calls,load_average\n");
            for (DrainRun r : drain) {
                csv.append(String.format(Locale.ROOT, "%s,%d,%d,%.3f,%.3f,%.1f,%.1f,%d,%.2f%n", r.contender(), r.repetition(),
                        r.records(), r.firstRecordSeconds(), r.drainSeconds(), r.drainRecordsPerSecond(),
                        r.overallRecordsPerSecond(), r.getRecordsCalls(), r.loadAverage()));
            }
            Files.writeString(dir.resolve("e2e-drain.csv"), csv);
            csv = new StringBuilder("contender,puts_per_s,records,missing,p50_ms,p90_ms,p99_ms,max_ms,writing_getrecords_per_s,"
                    + "idle_getrecords_per_s,first_record_s,load_average\n");
            for (LatencyRun r : latency) {
                csv.append(String.format(Locale.ROOT, "%s,%.1f,%d,%d,%.2f,%.2f,%.2f,%.2f,%.2f,%.3f,%.3f,%.2f%n", r.contender(), r.putsPerSecond(), r.records(),
                        r.missing(), r.p50Ms(), r.p90Ms(), r.p99Ms(), r.maxMs(), r.writingGetRecordsPerSecond(), r.idleGetRecordsPerSecond(),
                        r.firstRecordSeconds(), r.loadAverage()));
            }
            Files.writeString(dir.resolve("e2e-latency.csv"), csv);
            if (!front.isEmpty()) {
                csv = new StringBuilder("contender,writes_per_s,puts_per_s,records,missing,p50_ms,p90_ms,p99_ms,max_ms,"
                        + "getrecords_per_s,load_average\n");
                for (FrontRun r : frontSorted()) {
                    csv.append(String.format(Locale.ROOT, "%s,%d,%.2f,%d,%d,%.2f,%.2f,%.2f,%.2f,%.3f,%.2f%n", r.contender(),
                            r.writesPerSecond(), r.putsPerSecond(), r.records(), r.missing(), r.p50Ms(), r.p90Ms(), r.p99Ms(),
                            r.maxMs(), r.getRecordsPerSecond(), r.loadAverage()));
                }
                Files.writeString(dir.resolve("e2e-front.csv"), csv);
                Charts.writeFront(this, dir.resolve("e2e-front.png"));
            }
            csv = new StringBuilder("seconds,heap_after_gc_mb,records_processed\n");
            for (MemorySample s : memory) {
                csv.append(String.format(Locale.ROOT, "%.1f,%.1f,%d%n", s.seconds(), s.heapAfterGcMb(), s.recordsProcessed()));
            }
            Files.writeString(dir.resolve("e2e-memory.csv"), csv);
            Files.writeString(dir.resolve("e2e-summary.md"), markdown());
            Charts.write(this, dir.resolve("e2e-chart.png"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
