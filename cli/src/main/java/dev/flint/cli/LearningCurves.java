package dev.flint.cli;

import dev.flint.train.EpochRecord;
import dev.flint.train.History;
import dev.flint.train.IoMessages;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws a run's learning curves as one PNG with two panels side by side: loss and accuracy per epoch,
 * training against validation. A validation loss that turns upward while the training loss keeps
 * falling, or a widening accuracy gap, is overfitting; two high, flat curves are underfitting.
 *
 * <pre>{@code
 * LearningCurves.writePng(history, "mlp on MNIST", Path.of("runs/x/learning-curves.png"));
 * }</pre>
 */
final class LearningCurves {
    private LearningCurves() {
    }

    /**
     * Writes the chart of {@code history} to {@code file}.
     *
     * @throws IOException naming the file when it cannot be written; the file is then as it was
     */
    static void writePng(History history, String title, Path file) throws IOException {
        if (history.isEmpty()) {
            throw new IllegalArgumentException("learning curves: the history has no epoch to draw");
        }
        double[] epochs = history.column(EpochRecord::epoch);
        boolean validated = history.records().stream().anyMatch(EpochRecord::hasValidation);

        XYChart loss = chart(title + ": loss", "loss", Styler.LegendPosition.InsideNE);
        series(loss, "training", epochs, history.column(EpochRecord::trainLoss));
        XYChart accuracy = chart(title + ": accuracy", "accuracy (%)", Styler.LegendPosition.InsideSE);
        series(accuracy, "training", epochs, percent(history.column(EpochRecord::trainAccuracy)));
        if (validated) {
            series(loss, "validation", epochs, history.column(EpochRecord::validationLoss));
            series(accuracy, "validation", epochs, percent(history.column(EpochRecord::validationAccuracy)));
        }
        // Drawn into a temporary file beside the target and moved into place when complete, so a failed
        // write (a full disk) never leaves a truncated PNG.
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(temp))) {
                BitmapEncoder.saveBitmap(List.of(loss, accuracy), 1, 2, out, BitmapEncoder.BitmapFormat.PNG);
            }
            IoMessages.moveIntoPlace(temp, file);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException cannotTidy) {
                e.addSuppressed(cannotTidy);
            }
            throw IoMessages.wrap("cannot write the learning curves", file, e);
        }
    }

    private static XYChart chart(String title, String yTitle, Styler.LegendPosition legend) {
        XYChart c = new XYChartBuilder().width(640).height(440).title(title).xAxisTitle("epoch").yAxisTitle(yTitle)
                .build();
        c.getStyler().setLegendPosition(legend);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setMarkerSize(6);
        c.getStyler().setDecimalPattern("#0.####");
        return c;
    }

    private static void series(XYChart chart, String name, double[] x, double[] y) {
        XYSeries s = chart.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.CIRCLE);
        s.setLineStyle(new BasicStroke(2f));
    }

    private static double[] percent(double[] fractions) {
        double[] out = new double[fractions.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = 100 * fractions[i];
        }
        return out;
    }
}
