package dev.tviews.devmode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Watches the examples directory: a manifest created or edited is applied again, a manifest removed has what it
 * created deleted. Bursts of events (editors write a file in several steps) are coalesced over a short quiet period.
 */
public final class ManifestWatcher implements AutoCloseable {

    private static final long QUIET_MILLIS = 300;

    private final DevEnvironment env;
    private final Consumer<String> out;
    private final WatchService watchService;
    private final Thread thread;
    private volatile boolean closed;

    public ManifestWatcher(DevEnvironment env, Consumer<String> out) {
        this.env = env;
        this.out = out;
        try {
            this.watchService = env.examplesDir().getFileSystem().newWatchService();
            env.examplesDir().register(watchService, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.thread = new Thread(this::loop, "devmode-manifest-watcher");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void loop() {
        try {
            while (!closed) {
                WatchKey key = watchService.take();
                Set<Path> changed = new LinkedHashSet<>();
                collect(key, changed);
                // coalesce the rest of the burst
                WatchKey more;
                while ((more = watchService.poll(QUIET_MILLIS, TimeUnit.MILLISECONDS)) != null) {
                    collect(more, changed);
                }
                changed.forEach(this::handle);
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        }
    }

    private void collect(WatchKey key, Set<Path> changed) {
        for (WatchEvent<?> event : key.pollEvents()) {
            if (event.context() instanceof Path name) {
                Path file = env.examplesDir().resolve(name);
                if (DevEnvironment.isManifest(file)) {
                    changed.add(file);
                }
            }
        }
        key.reset();
    }

    private void handle(Path file) {
        if (closed || env.isClosed()) {
            return;
        }
        String name = file.getFileName().toString();
        try {
            if (Files.exists(file)) {
                var applied = env.apply(file);
                out.accept("applied " + name + ": " + applied.stream().map(DevEnvironment.Applied::name).toList());
            } else {
                var deleted = env.deleteAppliedFrom(file);
                out.accept("removed " + name + ": deleted " + deleted.stream().map(DevEnvironment.Applied::name).toList());
            }
        } catch (RuntimeException e) {
            out.accept("could not apply " + name + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            watchService.close();
        } catch (IOException ignored) {
            // closing
        }
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
