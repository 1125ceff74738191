package io.github.ddbstreams.benchmarks;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.imageio.ImageIO;

import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;

/** Draws the end-to-end results as one PNG of up to six panels (XChart). */
final class Charts {

    private static final int WIDTH = 620;
    private static final int HEIGHT = 400;
    private static final Color[] COLORS = {new Color(0x4C72B0), new Color(0xDD8452), new Color(0x55A868), new Color(0xC44E52),
            new Color(0x8172B3)};

    private Charts() {
    }

    static void write(Results results, Path file) throws IOException {
        List<Chart<?, ?>> charts = new ArrayList<>();
        List<Results.DrainSummary> drain = results.drainSummaries();
        if (!drain.isEmpty()) {
            List<String> names = drain.stream().map(s -> label(s.contender())).toList();
            charts.add(bars("Drain throughput, records/s (log; median)", "records/s", names,
                    List.of(new Series("records/s", drain.stream().map(s -> (Number) s.drainRecordsPerSecond()).toList())), true));
            charts.add(bars("Start → first record, s (log; median)", "seconds", names,
                    List.of(new Series("seconds", drain.stream().map(s -> (Number) s.firstRecordSeconds()).toList())), true));
            charts.add(bars("GetRecords calls to drain (log; median)", "calls", names,
                    List.of(new Series("calls", drain.stream().map(s -> (Number) s.getRecordsCalls()).toList())), true));
        }
        if (!results.latency.isEmpty()) {
            List<String> names = results.latency.stream().map(r -> label(r.contender())).toList();
            charts.add(bars(String.format("Latency put → processed at %d puts/s, ms (log)", results.options.rate), "ms", names,
                    List.of(new Series("p50", results.latency.stream().map(r -> (Number) r.p50Ms()).toList()),
                            new Series("p99", results.latency.stream().map(r -> (Number) r.p99Ms()).toList())), true));
            charts.add(bars("GetRecords calls/s, one shard (log)", "calls/s", names,
                    List.of(new Series("while writing", results.latency.stream().map(r -> (Number) r.writingGetRecordsPerSecond()).toList()),
                            new Series("while idle", results.latency.stream().map(r -> (Number) r.idleGetRecordsPerSecond()).toList())),
                    true));
        }
        if (results.memory.size() > 1) {
            XYChart heap = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                    .title(String.format("(b) heap after GC, slow sink (%.0fx slower), MB", results.options.sinkSlowdown))
                    .xAxisTitle("seconds since subscribe").yAxisTitle("MB").build();
            style(heap.getStyler());
            heap.getStyler().setLegendVisible(true);
            heap.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
            heap.getStyler().setYAxisMin(0.0);
            heap.getStyler().setYAxisMax(results.memory.stream().mapToDouble(Results.MemorySample::heapAfterGcMb).max().orElse(1) * 1.3);
            heap.addSeries("heap after GC (MB)", results.memory.stream().map(s -> s.seconds()).toList(),
                    results.memory.stream().map(s -> s.heapAfterGcMb()).toList()).setMarkerColor(COLORS[0]).setLineColor(COLORS[0]);
            charts.add(heap);
        }
        if (charts.isEmpty()) {
            return;     // e.g. only the front phase ran: it has its own chart
        }
        writeGrid(charts, file);
    }

    /**
     * The latency/cost front as one PNG of three panels: p50 latency against GetRecords calls/s (one line per
     * contender through its write rates, Lambda's 4 calls/s as a vertical reference line), and both by write rate.
     */
    static void writeFront(Results results, Path file) throws IOException {
        List<Results.FrontRun> runs = results.frontSorted();
        List<String> contenders = runs.stream().map(Results.FrontRun::contender).distinct().toList();
        List<Chart<?, ?>> charts = new ArrayList<>();

        XYChart front = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Latency/cost front, one shard (log/log)").xAxisTitle("GetRecords calls/s")
                .yAxisTitle("p50 put → processed, ms").build();
        style(front.getStyler());
        front.getStyler().setXAxisLogarithmic(true);
        front.getStyler().setYAxisLogarithmic(true);
        front.getStyler().setLegendVisible(true);
        front.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        front.getStyler().setXAxisDecimalPattern("#,##0.###");
        front.getStyler().setYAxisDecimalPattern("#,##0.###");
        int i = 0;
        for (String c : contenders) {
            List<Results.FrontRun> busy = runs.stream().filter(r -> r.contender().equals(c) && r.writesPerSecond() > 0).toList();
            if (!busy.isEmpty()) {
                Color color = COLORS[i++ % COLORS.length];
                front.addSeries(label(c), busy.stream().map(r -> (Number) Math.max(r.getRecordsPerSecond(), 0.01)).toList(),
                        busy.stream().map(r -> (Number) Math.max(r.p50Ms(), 0.01)).toList())
                        .setMarkerColor(color).setLineColor(color);
                for (Results.FrontRun r : busy) {
                    front.addAnnotation(new AnnotationText(r.writesPerSecond() + "/s", Math.max(r.getRecordsPerSecond(), 0.01),
                            Math.max(r.p50Ms(), 0.01) * 1.35, false));
                }
            }
        }
        front.addAnnotation(new AnnotationLine(Results.LAMBDA_CALLS_PER_SECOND, true, false));
        double top = runs.stream().filter(r -> r.writesPerSecond() > 0).mapToDouble(Results.FrontRun::p50Ms).max().orElse(1);
        front.addAnnotation(new AnnotationText("Lambda 4/s", Results.LAMBDA_CALLS_PER_SECOND * 1.5, top, false));
        charts.add(front);

        List<Integer> rates = runs.stream().map(Results.FrontRun::writesPerSecond).distinct().sorted().toList();
        List<String> rateNames = rates.stream().map(r -> r == 0 ? "idle" : r + " writes/s").toList();
        List<Series> calls = new ArrayList<>();
        List<Series> p50 = new ArrayList<>();
        List<String> busyNames = rateNames.stream().filter(n -> !n.equals("idle")).toList();
        for (String c : contenders) {
            calls.add(new Series(label(c), rates.stream().map(rate -> (Number) valueOf(runs, c, rate,
                    Results.FrontRun::getRecordsPerSecond)).toList()));
            p50.add(new Series(label(c), rates.stream().filter(rate -> rate > 0)
                    .map(rate -> (Number) valueOf(runs, c, rate, Results.FrontRun::p50Ms)).toList()));
        }
        calls.add(new Series("Lambda (free)", rates.stream().map(rate -> (Number) Results.LAMBDA_CALLS_PER_SECOND).toList()));
        CategoryChart callsChart = bars("GetRecords calls/s per shard (log)", "calls/s", rateNames, calls, true);
        callsChart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        charts.add(callsChart);
        if (!busyNames.isEmpty()) {
            CategoryChart p50Chart = bars("p50 put → processed, ms (log)", "ms", busyNames, p50, true);
            p50Chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
            charts.add(p50Chart);
        }
        writeGrid(charts, file);
    }

    private static double valueOf(List<Results.FrontRun> runs, String contender, int rate,
            java.util.function.ToDoubleFunction<Results.FrontRun> value) {
        return runs.stream().filter(r -> r.contender().equals(contender) && r.writesPerSecond() == rate)
                .mapToDouble(value).findFirst().orElse(0);
    }

    static void writeGrid(List<Chart<?, ?>> charts, Path file) throws IOException {
        int cols = charts.size() <= 3 ? charts.size() : charts.size() <= 4 ? 2 : 3;
        int rows = (charts.size() + cols - 1) / cols;
        // laid out by hand: BitmapEncoder's grid needs rows × cols charts exactly
        BufferedImage image = new BufferedImage(cols * WIDTH, rows * HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        for (int i = 0; i < charts.size(); i++) {
            g.drawImage(BitmapEncoder.getBufferedImage(charts.get(i)), (i % cols) * WIDTH, (i / cols) * HEIGHT, null);
        }
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }

    record Series(String name, List<Number> values) {
    }

    private static String label(String contender) {
        return switch (contender) {
            case "a" -> "(a) bare loop";
            case "b" -> "(b) receiver";
            case "bl" -> "(bl) LOW_LATENCY";
            case "bf" -> "(b') fixed 250ms";
            case "c1" -> "(c1) KCL default";
            case "c2" -> "(c2) KCL tuned";
            default -> contender.matches("b\\d+") ? "(b) min " + contender.substring(1) + "ms" : contender;
        };
    }

    static CategoryChart bars(String title, String yTitle, List<String> names, List<Series> series, boolean log) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).yAxisTitle(yTitle).build();
        style(chart.getStyler());
        chart.getStyler().setLegendVisible(series.size() > 1);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setLabelsVisible(true);
        chart.getStyler().setLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        chart.getStyler().setYAxisLogarithmic(log);
        chart.getStyler().setYAxisDecimalPattern(log ? "#,##0.###" : "#,##0.##");
        chart.getStyler().setDecimalPattern("#,##0.##"); // bar labels
        chart.getStyler().setOverlapped(false);
        if (names.size() > 4) {
            chart.getStyler().setXAxisLabelRotation(30);
            chart.getStyler().setLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 9));
        }
        if (log) {
            // bars start at the axis minimum, which on a log axis must be positive: the power of 10 below the data
            double min = series.stream().flatMap(s -> s.values().stream()).mapToDouble(Number::doubleValue)
                    .filter(v -> v > 0).min().orElse(1);
            double max = series.stream().flatMap(s -> s.values().stream()).mapToDouble(Number::doubleValue).max().orElse(1);
            // a third of the smallest value, so a bar just above a power of 10 still shows
            chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(min / 3))));
            chart.getStyler().setYAxisMax(Math.pow(10, Math.ceil(Math.log10(max * 1.5))));
        }
        int i = 0;
        for (Series s : series) {
            // log axes cannot show 0: floor at a small value
            List<Number> values = s.values().stream()
                    .map(v -> (Number) threeFigures(log ? Math.max(v.doubleValue(), 0.001) : v.doubleValue())).toList();
            chart.addSeries(s.name(), names, values).setFillColor(COLORS[i++ % COLORS.length]);
        }
        return chart;
    }

    /** The value with at most three significant figures (whole numbers from 1,000 up), for readable bar labels. */
    static double threeFigures(double v) {
        if (v == 0 || Double.isNaN(v) || Math.abs(v) >= 1000) {
            return Math.rint(v);
        }
        double scale = Math.pow(10, 2 - Math.floor(Math.log10(Math.abs(v))));
        return Math.rint(v * scale) / scale;
    }

    private static void style(AxesChartStyler styler) {
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        styler.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        styler.setPlotGridLinesColor(new Color(0xDDDDDD));
        styler.setChartPadding(12);
    }
}
