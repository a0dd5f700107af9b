{{- define "tview-operator.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "tview-operator.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "tview-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "tview-operator.serviceAccountName" -}}
{{- default (include "tview-operator.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- /* The operator's rules in each watched namespace (a ClusterRole when every namespace is watched). */}}
{{- define "tview-operator.rules" }}
  # The operator's own resources: informers and fresh reads; patched for the TView finalizer and the removal of
  # the backup-now annotation (drills are never patched, only their status).
  - apiGroups: ["tviews.dev"]
    resources: ["tviews", "tviewbackuppolicies"]
    verbs: ["get", "list", "watch", "patch"]
  - apiGroups: ["tviews.dev"]
    resources: ["tviewdrills"]
    verbs: ["get", "list", "watch"]
  - apiGroups: ["tviews.dev"]
    resources: ["tviews/status", "tviewbackuppolicies/status", "tviewdrills/status"]
    verbs: ["patch"]
  # ownerReferences with blockOwnerDeletion on the ConfigMaps, CronJobs and Jobs a policy or drill owns.
  - apiGroups: ["tviews.dev"]
    resources: ["tviewbackuppolicies/finalizers", "tviewdrills/finalizers"]
    verbs: ["update"]
  # Database credentials: read by name only.
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["get"]
  # Backup storage must exist before a policy is Ready.
  - apiGroups: [""]
    resources: ["persistentvolumeclaims"]
    verbs: ["get"]
  # Job scripts and drill reports.
  - apiGroups: [""]
    resources: ["configmaps"]
    verbs: ["get", "create", "update", "delete"]
  - apiGroups: [""]
    resources: ["events"]
    verbs: ["create"]
  # Backup CronJobs; backup-now and drill Jobs; their Pods' termination messages.
  - apiGroups: ["batch"]
    resources: ["cronjobs"]
    verbs: ["get", "list", "create", "update", "delete"]
  - apiGroups: ["batch"]
    resources: ["jobs"]
    verbs: ["get", "list", "watch", "create", "delete"]
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["list"]
  # CloudNativePG clusters: read for switchovers; status patched only by failover drills.
  - apiGroups: ["postgresql.cnpg.io"]
    resources: ["clusters"]
    verbs: ["get"]
  - apiGroups: ["postgresql.cnpg.io"]
    resources: ["clusters/status"]
    verbs: ["patch"]
{{- end }}
