package dev.osprey.model;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The model library stays plain Java: services wrap it, never the other way round. */
@AnalyzeClasses(packages = "dev.osprey.model", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule modelUsesNoServiceFrameworks = noClasses()
            .that().resideInAPackage("dev.osprey.model..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "org.springframework..", "io.grpc..", "reactor..", "io.micrometer..");

    /** SAM sits below the bundle, the pipeline and the CLI: services use it without the Osprey pipeline. */
    @ArchTest
    static final ArchRule samDependsOnNoBundlePipelineOrCli = noClasses()
            .that().resideInAPackage("dev.osprey.model.sam..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "dev.osprey.model.bundle..", "dev.osprey.model.pipeline..", "dev.osprey.model.cli..", "dev.osprey.model.bench..");
}
