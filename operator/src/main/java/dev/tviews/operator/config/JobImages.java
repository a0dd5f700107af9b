package dev.tviews.operator.config;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The allow-list of images the operator runs its Jobs with. Backup and drill Jobs receive the database Secret
 * (secretKeyRef), and their image is chosen by whoever writes the TViewBackupPolicy or TViewDrill: without this
 * list, anyone allowed to create a policy could read a Secret they cannot read (a confused deputy).
 *
 * <p>Entries are repositories without tag or digest, normalised as Docker does ({@code postgres} is
 * {@code docker.io/library/postgres}); an entry ending in {@code /*} allows every repository under that prefix
 * ({@code registry.example.com/dba/*}). An image is allowed when its repository, normalised the same way, equals an
 * entry (any tag, any digest). Image references are parsed with the distribution reference grammar; anything that
 * does not parse is refused.
 */
@ApplicationScoped
public class JobImages {

    /** The configuration key (environment TVIEW_OPERATOR_ALLOWED_JOB_IMAGES). */
    public static final String CONFIG_KEY = "tview.operator.allowed-job-images";
    /** The Helm value that sets it. */
    public static final String HELM_VALUE = "jobs.allowedImages";

    private static final String DOCKER_HUB = "docker.io";
    private static final Pattern DOMAIN = Pattern.compile(
            "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*"
                    + "(?::[0-9]+)?");
    private static final Pattern PATH = Pattern.compile(
            "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
    private static final Pattern DIGEST = Pattern.compile(
            "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}");

    private final List<String> exact = new ArrayList<>();
    private final List<String> prefixes = new ArrayList<>();
    private final List<String> invalid = new ArrayList<>();

    @Inject
    public JobImages(OperatorSettings settings) {
        this(settings.allowedJobImages());
    }

    public JobImages(List<String> entries) {
        for (String raw : entries) {
            String entry = raw.trim();
            if (entry.isEmpty()) {
                continue;
            }
            boolean prefix = entry.endsWith("/*");
            String repository = prefix ? entry.substring(0, entry.length() - 2) : entry;
            Optional<String> normalised = prefix ? prefix(repository)
                    : parse(repository).filter(r -> r.tagOrDigest().isEmpty()).map(Reference::repository);
            if (normalised.isEmpty()) {
                invalid.add(entry);
            } else if (prefix) {
                prefixes.add(normalised.get() + "/");
            } else {
                exact.add(normalised.get());
            }
        }
    }

    /**
     * Why {@code image} may not run a Job, or empty when it may. {@code what} names where the image came from
     * (e.g. {@code spec.image}), for the message.
     */
    public Optional<String> problem(String what, String image) {
        Optional<Reference> reference = parse(image);
        if (reference.isEmpty()) {
            return Optional.of(what + " '" + image + "' is not a valid image reference ([registry/]repository[:tag][@digest])");
        }
        String repository = reference.get().repository();
        if (exact.contains(repository) || prefixes.stream().anyMatch(repository::startsWith)) {
            return Optional.empty();
        }
        return Optional.of(what + " '" + image + "' (repository " + repository + ") is not in the operator's allow-list of "
                + "Job images [" + describe() + "]: its Jobs receive the database Secret, so they run only images the "
                + "operator's administrator trusts. Use an allowed image, or have the administrator add the repository "
                + "to " + CONFIG_KEY + " (Helm value " + HELM_VALUE + ")");
    }

    /** The allow-list as configured after normalisation (entries that do not parse are ignored and listed). */
    public String describe() {
        List<String> all = new ArrayList<>(exact);
        prefixes.forEach(p -> all.add(p + "*"));
        String text = all.isEmpty() ? "empty" : String.join(", ", all);
        return invalid.isEmpty() ? text : text + "; ignored, not repositories: " + String.join(", ", invalid);
    }

    /** A parsed image reference: registry/path normalised as Docker does, and the tag or digest as given. */
    record Reference(String repository, String tagOrDigest) {
    }

    static Optional<Reference> parse(String image) {
        if (image == null || image.isEmpty() || image.length() > 1024) {
            return Optional.empty();
        }
        String rest = image;
        String suffix = "";
        int at = rest.indexOf('@');
        if (at >= 0) {
            if (!DIGEST.matcher(rest.substring(at + 1)).matches()) {
                return Optional.empty();
            }
            suffix = rest.substring(at);
            rest = rest.substring(0, at);
        }
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            String tag = rest.substring(colon + 1);
            if (!TAG.matcher(tag).matches()) {
                return Optional.empty();
            }
            suffix = rest.substring(colon) + suffix;
            rest = rest.substring(0, colon);
        }
        String domain = DOCKER_HUB;
        String path = rest;
        int slash = rest.indexOf('/');
        if (slash >= 0 && isDomain(rest.substring(0, slash))) {
            domain = rest.substring(0, slash).toLowerCase(Locale.ROOT);
            path = rest.substring(slash + 1);
            if (!DOMAIN.matcher(domain).matches()) {
                return Optional.empty();
            }
        }
        if (!PATH.matcher(path).matches()) {
            return Optional.empty();
        }
        if (domain.equals("index.docker.io") || domain.equals("registry-1.docker.io")) {
            domain = DOCKER_HUB;
        }
        if (domain.equals(DOCKER_HUB) && !path.contains("/")) {
            path = "library/" + path;
        }
        return Optional.of(new Reference(domain + "/" + path, suffix));
    }

    /** {@code registry[/path]} of an entry ending in {@code /*}: a registry alone, or a registry and path. */
    private static Optional<String> prefix(String text) {
        int slash = text.indexOf('/');
        String first = slash < 0 ? text : text.substring(0, slash);
        String domain = isDomain(first) ? first.toLowerCase(Locale.ROOT) : DOCKER_HUB;
        String path = isDomain(first) ? (slash < 0 ? "" : text.substring(slash + 1)) : text;
        if (!DOMAIN.matcher(domain).matches() || (!path.isEmpty() && !PATH.matcher(path).matches())) {
            return Optional.empty();
        }
        if (domain.equals("index.docker.io") || domain.equals("registry-1.docker.io")) {
            domain = DOCKER_HUB;
        }
        return Optional.of(path.isEmpty() ? domain : domain + "/" + path);
    }

    /** Docker's rule: the first component names a registry when it has a '.' or a ':', or is localhost. */
    private static boolean isDomain(String component) {
        return component.contains(".") || component.contains(":") || component.equals("localhost")
                || !component.equals(component.toLowerCase(Locale.ROOT));
    }
}
