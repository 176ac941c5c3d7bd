package dev.flint.cli;

import dev.flint.train.LanguageModelTrainer;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The loss chart of a language-model run as a PNG: the loss of every training step (thin, it is noisy),
 * and at each evaluation the mean loss over the fixed windows of the training and the validation text.
 * The two evaluated curves part when the model starts to memorise its training text.
 *
 * <pre>{@code
 * GptLossChart.writePng(result, "gpt on the King James Bible", Path.of("runs/gpt/loss.png"));
 * }</pre>
 */
final class GptLossChart {
    private GptLossChart() {
    }

    static void writePng(LanguageModelTrainer.Result result, String title, Path file) throws IOException {
        XYChart c = new XYChartBuilder().width(1000).height(480).title(title).xAxisTitle("iteration")
                .yAxisTitle("cross-entropy (nats per character)").build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setMarkerSize(6);
        // The pattern on the y axis only (on both it made XChart's x steps coarser and odder), and 1,000 pixels
        // wide: at 800 the four-digit iteration labels of a 2,000-step run ran into each other. XChart still
        // picks uneven steps for some ranges (91 iterations apart, say); the labels stay apart.
        c.getStyler().setYAxisDecimalPattern("#0.###");
        double[] losses = result.losses();
        if (losses.length > 0) {
            double[] x = new double[losses.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = i;
            }
            XYSeries steps = c.addSeries("training step", x, losses);
            steps.setMarker(SeriesMarkers.NONE);
            steps.setLineColor(new Color(170, 190, 230));
            steps.setLineStyle(new BasicStroke(1f));
        }
        List<LanguageModelTrainer.Evaluation> evals = result.evaluations();
        double[] at = new double[evals.size()];
        double[] train = new double[evals.size()];
        double[] val = new double[evals.size()];
        for (int i = 0; i < at.length; i++) {
            at[i] = evals.get(i).iteration();
            train[i] = evals.get(i).trainLoss();
            val[i] = evals.get(i).validationLoss();
        }
        XYSeries t = c.addSeries("training (evaluated)", at, train);
        t.setMarker(SeriesMarkers.CIRCLE);
        t.setLineColor(new Color(31, 90, 200));
        t.setLineStyle(new BasicStroke(2f));
        XYSeries v = c.addSeries("validation", at, val);
        v.setMarker(SeriesMarkers.DIAMOND);
        v.setLineColor(new Color(220, 90, 30));
        v.setLineStyle(new BasicStroke(2f));
        String name = file.toString();
        // XChart appends the extension itself.
        String base = name.endsWith(".png") ? name.substring(0, name.length() - 4) : name;
        BitmapEncoder.saveBitmap(c, base, BitmapEncoder.BitmapFormat.PNG);
    }
}
