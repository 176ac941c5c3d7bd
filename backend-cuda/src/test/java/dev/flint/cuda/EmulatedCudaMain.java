package dev.flint.cuda;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Run in a separate JVM by EmulatedCudaTest: loads the emulated driver and cuBLAS (arguments 1 and 2, by
 * absolute path, before JCuda looks for them), then runs the named test classes with the JUnit launcher
 * and prints a summary line and every failure.
 */
public final class EmulatedCudaMain {
    private EmulatedCudaMain() {
    }

    public static void main(String[] args) {
        System.load(args[0]);
        System.load(args[1]);
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request();
        for (int i = 2; i < args.length; i++) {
            request.selectors(DiscoverySelectors.selectClass(args[i]));
        }
        LauncherDiscoveryRequest built = request.build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(built, listener);
        TestExecutionSummary s = listener.getSummary();
        System.out.println("EMULATED found=" + s.getTestsFoundCount() + " succeeded=" + s.getTestsSucceededCount()
                + " failed=" + s.getTestsFailedCount() + " aborted=" + s.getTestsAbortedCount() + " skipped="
                + s.getTestsSkippedCount());
        List<String> failures = new ArrayList<>();
        for (TestExecutionSummary.Failure f : s.getFailures()) {
            StringWriter trace = new StringWriter();
            f.getException().printStackTrace(new PrintWriter(trace));
            String first = trace.toString().lines().limit(6).reduce((a, b) -> a + "\n    " + b).orElse("");
            failures.add("FAILURE " + f.getTestIdentifier().getUniqueId() + "\n    " + first);
        }
        failures.forEach(System.out::println);
    }
}
