package dev.flint.cli;

import dev.flint.train.EpochRecord;
import dev.flint.train.History;
import dev.flint.train.TrainingListener;
import java.io.PrintWriter;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * One terminal progress bar per epoch (batches done, running loss and accuracy, time left), then a
 * summary line of the epoch with its validation figures.
 *
 * <pre>
 *   epoch 3/10 100% [==========] 141/141 (0:00:02 / 0:00:00) loss 0.1032 acc 96.9%
 *   epoch 3/10: train loss 0.1032 acc 96.91%, val loss 0.1270 acc 96.20% (2.4 s)
 * </pre>
 */
final class ProgressBarListener implements TrainingListener {
    private final PrintWriter out;
    private final boolean bars;
    private int epochs;
    private int batches;
    private ProgressBar bar;

    /**
     * @param out where the epoch summaries go
     * @param bars whether to draw bars (on standard error) as well
     */
    ProgressBarListener(PrintWriter out, boolean bars) {
        this.out = out;
        this.bars = bars;
    }

    @Override
    public void onTrainStart(int epochs, int batchesPerEpoch) {
        this.epochs = epochs;
        this.batches = batchesPerEpoch;
    }

    @Override
    public void onEpochStart(int epoch) {
        if (bars) {
            bar = new ProgressBarBuilder().setTaskName(String.format("epoch %d/%d", epoch, epochs))
                    .setInitialMax(batches).setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250)
                    .setMaxRenderedLength(100).build();
        }
    }

    @Override
    public void onBatchEnd(int epoch, int batch, double loss, double accuracy) {
        if (bar != null) {
            bar.stepTo(batch);
            bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f acc %.1f%%", loss, 100 * accuracy));
        }
    }

    @Override
    public void onEpochEnd(EpochRecord r) {
        if (bar != null) {
            bar.close();
            bar = null;
        }
        String line = String.format(Locale.ROOT, "epoch %d/%d: train loss %.4f acc %.2f%%", r.epoch(), epochs,
                r.trainLoss(), 100 * r.trainAccuracy());
        if (r.hasValidation()) {
            line += String.format(Locale.ROOT, ", val loss %.4f acc %.2f%%", r.validationLoss(),
                    100 * r.validationAccuracy());
        }
        out.println(line + String.format(Locale.ROOT, " (%.1f s)", r.seconds()));
        out.flush();
    }

    @Override
    public void onTrainEnd(History history, String reason) {
        if (bar != null) {
            bar.close();
            bar = null;
        }
        out.println("stopped: " + reason);
        out.flush();
    }
}
