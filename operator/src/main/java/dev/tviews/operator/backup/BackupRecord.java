package dev.tviews.operator.backup;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Map;
import java.util.Objects;

/** One backup run as reported by its Job (the JSON summary backup.sh writes as the termination message). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class BackupRecord {

    public static final String SUCCEEDED = "Succeeded";
    public static final String FAILED = "Failed";

    @JsonPropertyDescription("Backup name: the directory <UTC timestamp>-<method> under the policy's directory "
            + "(the Job name when the Job reported nothing).")
    private String name;

    @JsonPropertyDescription("The Job that ran the backup.")
    private String job;

    @JsonPropertyDescription("logical, metadata or physical.")
    private String method;

    @JsonPropertyDescription("Succeeded (written and verified) or Failed.")
    private String result;

    @JsonPropertyDescription("When the backup started (RFC 3339).")
    private String startTime;

    @JsonPropertyDescription("When the backup (and its verification) ended (RFC 3339).")
    private String endTime;

    @JsonPropertyDescription("Total size of the backup's files in bytes.")
    private Long sizeBytes;

    @JsonPropertyDescription("SHA-256 of the backup's main file (all files are listed in its manifest.json).")
    private String sha256;

    @JsonPropertyDescription("PostgreSQL server version the backup was taken from.")
    private String serverVersion;

    @JsonPropertyDescription("Whether verification passed (checksums, structure, and the restore test if enabled).")
    private Boolean verified;

    @JsonPropertyDescription("Row count of every TVIEW at the backup's snapshot (entity -> rows).")
    private Map<String, Long> tviews;

    @JsonPropertyDescription("Directory of the backup inside the Job's volume (mounted at /backups).")
    private String path;

    @JsonPropertyDescription("Why the backup failed or was not verified, or the verification summary.")
    private String message;

    public boolean succeeded() {
        return SUCCEEDED.equals(result);
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getJob() {
        return job;
    }

    public void setJob(String job) {
        this.job = job;
    }

    public String getMethod() {
        return method;
    }

    public void setMethod(String method) {
        this.method = method;
    }

    public String getResult() {
        return result;
    }

    public void setResult(String result) {
        this.result = result;
    }

    public String getStartTime() {
        return startTime;
    }

    public void setStartTime(String startTime) {
        this.startTime = startTime;
    }

    public String getEndTime() {
        return endTime;
    }

    public void setEndTime(String endTime) {
        this.endTime = endTime;
    }

    public Long getSizeBytes() {
        return sizeBytes;
    }

    public void setSizeBytes(Long sizeBytes) {
        this.sizeBytes = sizeBytes;
    }

    public String getSha256() {
        return sha256;
    }

    public void setSha256(String sha256) {
        this.sha256 = sha256;
    }

    public String getServerVersion() {
        return serverVersion;
    }

    public void setServerVersion(String serverVersion) {
        this.serverVersion = serverVersion;
    }

    public Boolean getVerified() {
        return verified;
    }

    public void setVerified(Boolean verified) {
        this.verified = verified;
    }

    public Map<String, Long> getTviews() {
        return tviews;
    }

    public void setTviews(Map<String, Long> tviews) {
        this.tviews = tviews;
    }

    public String getPath() {
        return path;
    }

    public void setPath(String path) {
        this.path = path;
    }

    public String getMessage() {
        return message;
    }

    public void setMessage(String message) {
        this.message = message;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof BackupRecord r)) {
            return false;
        }
        return Objects.equals(name, r.name) && Objects.equals(job, r.job) && Objects.equals(method, r.method)
                && Objects.equals(result, r.result) && Objects.equals(startTime, r.startTime)
                && Objects.equals(endTime, r.endTime) && Objects.equals(sizeBytes, r.sizeBytes)
                && Objects.equals(sha256, r.sha256) && Objects.equals(serverVersion, r.serverVersion)
                && Objects.equals(verified, r.verified) && Objects.equals(tviews, r.tviews)
                && Objects.equals(path, r.path) && Objects.equals(message, r.message);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, job, method, result, endTime);
    }
}
