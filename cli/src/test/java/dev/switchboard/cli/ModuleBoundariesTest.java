package dev.switchboard.cli;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** Services depend on schemas and platform, never on one another. */
class ModuleBoundariesTest {

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.switchboard");

    @Test
    void servicesDoNotDependOnEachOther() {
        String[][] pairs = {
                {"..planner..", "..router.."}, {"..planner..", "..provider.."},
                {"..router..", "..planner.."}, {"..router..", "..provider.."},
                {"..provider..", "..planner.."}, {"..provider..", "..router.."},
                {"..analytics..", "..planner.."}, {"..analytics..", "..router.."}, {"..analytics..", "..provider.."},
                {"..planner..", "..analytics.."}, {"..router..", "..analytics.."}, {"..provider..", "..analytics.."},
        };
        for (String[] pair : pairs) {
            noClasses().that().resideInAPackage(pair[0]).should().dependOnClassesThat().resideInAPackage(pair[1])
                    .because("services share code through platform and schemas only; move what both need to platform")
                    .check(CLASSES);
        }
    }

    @Test
    void contractsAndPlatformDoNotDependOnServicesOrTheDevStack() {
        noClasses().that().resideInAnyPackage("dev.switchboard.schemas..", "dev.switchboard.avro..", "dev.switchboard.platform..")
                .should().dependOnClassesThat().resideInAnyPackage("..planner..", "..router..", "..provider..", "..devstack..", "..cli..")
                .because("schemas and platform are the contracts every service builds on; they must not know the services")
                .check(CLASSES);
        noClasses().that().resideInAnyPackage("..planner..", "..router..", "..provider..", "..analytics..")
                .should().dependOnClassesThat().resideInAnyPackage("..devstack..", "..cli..")
                .because("services run against any Kafka; the embedded stack is for development and tests")
                .check(CLASSES);
    }
}
