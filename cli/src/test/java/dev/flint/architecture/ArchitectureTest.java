package dev.flint.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The layers of Flint, enforced on the compiled classes of every module this one depends on (all but
 * the benchmarks): no package cycles anywhere; bottom up, the SPI ({@code backend}), the graph
 * ({@code autograd}), tensors ({@code tensor}), the gradient checks ({@code gradcheck}) make the core,
 * which imports nothing above it and no JSON library; backends import only the SPI; {@code nn}
 * ({@code nn}, {@code loss}, {@code optim}) and {@code data} ({@code data}, {@code io}) sit on the core,
 * {@code train} on both, the command on everything. {@link #eachRuleFailsOnAPlantedViolation} runs the
 * same rules on classes that break each one, so a rule that has stopped matching anything is noticed.
 */
class ArchitectureTest {
    private static final JavaClasses FLINT = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.flint");
    private static final JavaClasses PLANTED = new ClassFileImporter().importPackages("planted.flint");

    /** Every rule, for Flint's packages under {@code root}. */
    static List<ArchRule> rules(String root) {
        String spi = root + ".backend";
        String autograd = root + ".autograd";
        String tensor = root + ".tensor";
        String gradcheck = root + ".gradcheck";
        return List.of(
                slices().matching(root + ".(**)").should().beFreeOfCycles()
                        .as("no package depends on itself through others"),
                layeredArchitecture().consideringOnlyDependenciesInAnyPackage(root + "..")
                        .layer("SPI").definedBy(spi)
                        .layer("Autograd").definedBy(autograd)
                        .layer("Tensor").definedBy(tensor)
                        .layer("GradCheck").definedBy(gradcheck)
                        .layer("Backends").definedBy(root + ".cpu..", root + ".cuda..")
                        .layer("NN").definedBy(root + ".nn..", root + ".loss..", root + ".optim..")
                        .layer("Data").definedBy(root + ".data..", root + ".io..")
                        .layer("Train").definedBy(root + ".train..")
                        .layer("Apps").definedBy(root + ".cli..", root + ".benchmarks..", root + ".spark..")
                        .whereLayer("Apps").mayNotBeAccessedByAnyLayer()
                        .whereLayer("Train").mayOnlyBeAccessedByLayers("Apps")
                        .whereLayer("NN").mayOnlyBeAccessedByLayers("Train", "Apps")
                        .whereLayer("Data").mayOnlyBeAccessedByLayers("Train", "Apps")
                        .whereLayer("Backends").mayNotBeAccessedByAnyLayer()
                        .whereLayer("GradCheck").mayOnlyBeAccessedByLayers("NN", "Data", "Train", "Apps")
                        .whereLayer("Tensor").mayOnlyBeAccessedByLayers("GradCheck", "NN", "Data", "Train", "Apps")
                        .whereLayer("Autograd")
                        .mayOnlyBeAccessedByLayers("Tensor", "GradCheck", "NN", "Data", "Train", "Apps")
                        .as("layers: core (SPI < autograd < tensor < gradcheck) < nn, data < train < apps; "
                                + "backends beside each other on the SPI"),
                classes().that().resideInAnyPackage(spi, autograd, tensor, gradcheck)
                        .should().onlyDependOnClassesThat()
                        .resideInAnyPackage(spi, autograd, tensor, gradcheck, "java..", "org.slf4j..")
                        .as("the core depends on nothing but itself, the JDK and the SLF4J API (no JSON library)"),
                classes().that().resideInAPackage(spi).should().onlyDependOnClassesThat()
                        .resideInAnyPackage(spi, "java..", "org.slf4j..")
                        .as("the SPI imports nothing else of Flint"),
                classes().that().resideInAPackage(autograd).should().onlyDependOnClassesThat()
                        .resideInAnyPackage(autograd, "java..")
                        .as("the graph knows no tensor, no backend"),
                classes().that().resideInAnyPackage(root + ".cpu..", root + ".cuda..").should().onlyDependOnClassesThat()
                        .resideInAnyPackage(spi, root + ".cpu..", root + ".cuda..", "java..", "jdk..", "jcuda..",
                                "org.slf4j..")
                        .as("backends import only the SPI"));
    }

    @Test
    void flintKeepsItsLayers() {
        assertTrue(FLINT.size() > 150, "expected Flint's classes on the class path, found " + FLINT.size());
        for (ArchRule rule : rules("dev.flint")) {
            rule.check(FLINT);
        }
    }

    /** Each rule fails on the planted classes (test sources under {@code planted.flint}), which break it. */
    @Test
    void eachRuleFailsOnAPlantedViolation() {
        assertTrue(PLANTED.size() >= 8, "the planted classes are missing: " + PLANTED.size());
        for (ArchRule rule : rules("planted.flint")) {
            assertThrows(AssertionError.class, () -> rule.check(PLANTED), "not caught: " + rule.getDescription());
        }
    }
}
