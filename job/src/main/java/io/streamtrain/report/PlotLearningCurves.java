package io.streamtrain.report;

import io.streamtrain.connectors.record.ModelSnapshot;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Renders the learning curves of one or more models as a PNG: accuracy above, loss below, both
 * against rows trained, one colour per model; the prequential (test-then-train) score as a solid
 * line, the held-out score, where snapshots have one, dashed with markers.
 *
 * <p>Each snapshot's prequential score covers the rows trained since the previous snapshot, so
 * the solid line is a moving score, not a cumulative one.
 */
public final class PlotLearningCurves {
    private static final Color[] PALETTE = {
        new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44), new Color(214, 39, 40),
        new Color(148, 103, 189), new Color(140, 86, 75), new Color(227, 119, 194), new Color(127, 127, 127),
        new Color(188, 189, 34), new Color(23, 190, 207)};
    private static final BasicStroke SOLID = new BasicStroke(2f);
    private static final BasicStroke DASHED =
            new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {8f, 5f}, 0f);

    private static final int MAX_POINTS_WITH_MARKERS = 40;

    private final int width;
    private final int height;

    /** @param width, height of the whole image in pixels (two panels stacked) */
    public PlotLearningCurves(int width, int height) {
        if (width < 200 || height < 200) {
            throw new IllegalArgumentException("the chart needs at least 200 x 200 pixels, got " + width + " x " + height);
        }
        this.width = width;
        this.height = height;
    }

    /**
     * Writes the chart of {@code histories} (per model, snapshots ascending by version) to
     * {@code png}, creating its folder.
     */
    public void render(Map<String, List<ModelSnapshot>> histories, Path png) throws IOException {
        if (histories.isEmpty()) {
            throw new IllegalArgumentException("no model to plot");
        }
        XYChart accuracy = panel(title(histories), "accuracy");
        accuracy.getStyler().setLegendPosition(LegendPosition.InsideSE);
        XYChart loss = panel("Loss", "loss");
        loss.getStyler().setLegendPosition(LegendPosition.InsideNE);
        int k = 0;
        for (Map.Entry<String, List<ModelSnapshot>> e : histories.entrySet()) {
            Color color = PALETTE[k++ % PALETTE.length];
            String model = e.getKey();
            List<ModelSnapshot> snapshots = e.getValue();
            add(accuracy, model + " prequential", snapshots, ModelSnapshot::prequentialAccuracy, color, false);
            add(accuracy, model + " held-out", snapshots, ModelSnapshot::holdoutAccuracy, color, true);
            add(loss, model + " prequential", snapshots, ModelSnapshot::prequentialLoss, color, false);
            add(loss, model + " held-out", snapshots, ModelSnapshot::holdoutLoss, color, true);
        }
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (OutputStream out = Files.newOutputStream(png)) {
            BitmapEncoder.saveBitmap(List.of(accuracy, loss), 2, 1, out, BitmapEncoder.BitmapFormat.PNG);
        }
    }

    private static String title(Map<String, List<ModelSnapshot>> histories) {
        if (histories.size() > 1) {
            return "Accuracy of " + histories.size() + " models";
        }
        Map.Entry<String, List<ModelSnapshot>> only = histories.entrySet().iterator().next();
        List<ModelSnapshot> s = only.getValue();
        ModelSnapshot last = s.get(s.size() - 1);
        return String.format(Locale.ROOT, "Accuracy of model '%s' (%s, %,d rows trained, version %,d)",
                only.getKey(), sizes(last.layerSizes()), last.rowsTrained(), last.version());
    }

    private static String sizes(int[] layers) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; layers != null && i < layers.length; i++) {
            b.append(i == 0 ? "" : "-").append(layers[i]);
        }
        return b.toString();
    }

    private XYChart panel(String title, String yAxis) {
        XYChart chart = new XYChartBuilder().width(width).height(height / 2).title(title)
                .xAxisTitle("rows trained").yAxisTitle(yAxis).build();
        var styler = chart.getStyler();
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setPlotBorderColor(Color.GRAY);
        styler.setPlotGridLinesColor(new Color(225, 225, 225));
        styler.setLegendBorderColor(Color.LIGHT_GRAY);
        styler.setChartTitleBoxVisible(false);
        styler.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        styler.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        styler.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        styler.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        styler.setXAxisDecimalPattern("#,##0");
        styler.setXAxisMin(0.0);
        styler.setYAxisDecimalPattern("0.00#");
        styler.setLocale(Locale.ROOT);
        styler.setMarkerSize(7);
        styler.setAntiAlias(true);
        return chart;
    }

    /** Adds one line of the finite values of {@code metric}; none when there are none. */
    private static void add(XYChart chart, String name, List<ModelSnapshot> snapshots,
            ToDoubleFunction<ModelSnapshot> metric, Color color, boolean dashed) {
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (ModelSnapshot s : snapshots) {
            double v = metric.applyAsDouble(s);
            if (Double.isFinite(v)) {
                x.add((double) s.rowsTrained());
                y.add(v);
            }
        }
        if (x.isEmpty()) {
            return;
        }
        XYSeries series = chart.addSeries(name, x, y);
        series.setLineColor(color);
        series.setMarkerColor(color);
        series.setLineStyle(dashed ? DASHED : SOLID);
        // markers show where the snapshots are, unless they are so many that they hide the line
        series.setMarker(dashed ? SeriesMarkers.DIAMOND
                : x.size() <= MAX_POINTS_WITH_MARKERS ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
    }
}
