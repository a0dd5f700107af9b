package dev.tviews.operator.packaging;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths in the repository checkout, for tests that check committed files. */
final class RepoPaths {

    private RepoPaths() {
    }

    static Path root() {
        String fromMaven = System.getProperty("tviews.repo.root");
        Path root = fromMaven != null ? Path.of(fromMaven) : Path.of("..").toAbsolutePath().normalize();
        if (!Files.isDirectory(root.resolve("helm/tview-operator"))) {
            throw new IllegalStateException("Not the repository root: " + root);
        }
        return root;
    }

    static Path chart() {
        return root().resolve("helm/tview-operator");
    }

    static Path crds() {
        return root().resolve("crds");
    }
}
