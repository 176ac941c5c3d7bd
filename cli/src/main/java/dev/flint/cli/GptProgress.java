package dev.flint.cli;

import dev.flint.train.LanguageModelTrainer;
import java.io.PrintWriter;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * One progress bar over a language model's iterations (loss, learning rate, time left) and a line per
 * evaluation.
 *
 * <pre>
 *   gpt 45% [=====     ] 900/2000 (0:01:10 / 0:01:25) loss 1.6021 lr 7.1e-04
 *   step 1000: train loss 1.5123, val loss 1.5542 (78 s)
 * </pre>
 */
final class GptProgress implements LanguageModelTrainer.Listener {
    private final PrintWriter out;
    private final boolean bars;
    private ProgressBar bar;
    private double smoothed = Double.NaN;

    GptProgress(PrintWriter out, boolean bars) {
        this.out = out;
        this.bars = bars;
    }

    @Override
    public void onStart(int iterations) {
        if (bars) {
            bar = new ProgressBarBuilder().setTaskName("gpt").setInitialMax(iterations).setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(250).setMaxRenderedLength(100).build();
        }
    }

    @Override
    public void onIteration(int iteration, double loss, float lr, double seconds) {
        // A running mean over about 20 steps: single batches of 12 windows are noisy.
        smoothed = Double.isNaN(smoothed) ? loss : 0.95 * smoothed + 0.05 * loss;
        if (bar != null) {
            bar.stepTo(iteration + 1);
            bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f lr %.1e", smoothed, lr));
        }
    }

    @Override
    public void onEvaluation(LanguageModelTrainer.Evaluation e) {
        String line = String.format(Locale.ROOT, "step %d: train loss %.4f, val loss %.4f (%.0f s)", e.iteration(),
                e.trainLoss(), e.validationLoss(), e.seconds());
        if (bar != null) {
            // Keep the bar on its own line: print above it.
            System.err.print("\r" + " ".repeat(100) + "\r");
        }
        out.println(line);
        out.flush();
    }

    @Override
    public void onEnd(LanguageModelTrainer.Result result) {
        if (bar != null) {
            bar.close();
            bar = null;
        }
        out.println("stopped: " + result.stopReason());
        out.flush();
    }
}
