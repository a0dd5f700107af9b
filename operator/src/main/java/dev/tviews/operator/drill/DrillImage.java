package dev.tviews.operator.drill;

import dev.tviews.operator.config.JobImages;
import dev.tviews.operator.config.OperatorSettings;
import dev.tviews.operator.database.DatabaseResolver;
import dev.tviews.operator.database.ProbeConnections;
import dev.tviews.operator.database.Resolution;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The image of a restore run's Job: the drill's spec.image, else its backup policy's, else postgres:&lt;server major
 * version&gt;; always one of the operator's allowed images ({@link JobImages}), since the Job carries the database Secret.
 */
@ApplicationScoped
public class DrillImage {

    /** Stalled reason: the Job's image is not in the operator's allow-list. */
    public static final String IMAGE_NOT_ALLOWED = "ImageNotAllowed";

    /** The image, or why there is none yet. */
    record Choice(String image, RunStart problem) {
        static Choice of(String image) {
            return new Choice(image, null);
        }

        static Choice none(RunStart problem) {
            return new Choice(null, problem);
        }
    }

    private final JobImages images;
    private final DatabaseResolver resolver;
    private final OperatorSettings settings;

    public DrillImage(JobImages images, DatabaseResolver resolver, OperatorSettings settings) {
        this.images = images;
        this.resolver = resolver;
        this.settings = settings;
    }

    Choice choose(TViewDrill drill, BackupPolicyView policy) {
        String own = drill.getSpec().getImage();
        boolean ownImage = own != null && !own.isBlank();
        String image = ownImage ? own.trim() : policy.image() == null ? null : policy.image().trim();
        if (image == null) {
            return serverDefault(drill, policy);
        }
        String source = ownImage ? "spec.image"
                : "TViewBackupPolicy " + drill.getSpec().getBackupPolicyRef().getName() + "'s spec.image";
        Optional<String> problem = images.problem(source, image);
        // the Job would carry the database Secret into an image nobody vetted: no Job is created
        return problem.map(p -> Choice.none(new RunStart.Stalled(IMAGE_NOT_ALLOWED, p,
                ownImage ? Optional.empty() : Optional.of(settings.retryInterval())))).orElse(Choice.of(image));
    }

    private Choice serverDefault(TViewDrill drill, BackupPolicyView policy) {
        Resolution r = resolver.resolve(drill.getMetadata().getNamespace(), policy.database());
        if (!(r instanceof Resolution.Available a)) {
            return Choice.none(new RunStart.Waiting("DatabaseUnavailable",
                    "cannot detect the server version for the drill image: " + describe(r)));
        }
        String image;
        try {
            image = "postgres:" + ProbeConnections.serverMajorVersion(a.connection());
        } catch (SQLException e) {
            return Choice.none(new RunStart.Waiting("DatabaseUnreachable", "cannot detect the server version for the "
                    + "drill image (" + a.connection().describe() + "): " + e.getMessage()));
        }
        Optional<String> problem = images.problem("the default image", image);
        return problem.map(p -> Choice.none(new RunStart.Stalled(IMAGE_NOT_ALLOWED, p + "; or set spec.image",
                Optional.of(settings.retryInterval())))).orElse(Choice.of(image));
    }

    private static String describe(Resolution r) {
        if (r instanceof Resolution.Unavailable u) {
            return u.message();
        }
        if (r instanceof Resolution.SwitchoverInProgress s) {
            return s.message();
        }
        return String.valueOf(r);
    }
}
