{{/* Names: every object is "<release>-pgha-<component>" unless the release name already says pgha. */}}
{{- define "pgha.fullname" -}}
{{- if contains "pgha" .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-pgha" .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "pgha.name" -}}
{{- printf "%s-%s" (include "pgha.fullname" .root) .component -}}
{{- end -}}

{{- define "pgha.labels" -}}
app.kubernetes.io/name: pgha
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "pgha.selector" -}}
app.kubernetes.io/name: pgha
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "pgha.image" -}}
{{- printf "%s/%s:%s" .root.Values.image.registry .name (default .root.Chart.AppVersion .root.Values.image.tag) -}}
{{- end -}}

{{/* The store endpoints: the in-chart etcd's client service, or the given list. */}}
{{- define "pgha.storeEndpoints" -}}
{{- if .Values.etcd.enabled -}}
{{- printf "http://%s-etcd:2379" (include "pgha.fullname" .) -}}
{{- else -}}
{{- join "," .Values.store.endpoints -}}
{{- end -}}
{{- end -}}

{{/* Settings every pgha service needs (DESIGN §6), as environment variables (relaxed binding). */}}
{{- define "pgha.commonEnv" -}}
- name: PGHA_CLUSTER_NAME
  value: {{ .Values.clusterName | quote }}
- name: PGHA_STORE_BACKEND
  value: {{ ternary "etcdv3" .Values.store.backend .Values.etcd.enabled | quote }}
- name: PGHA_STORE_ENDPOINTS
  value: {{ include "pgha.storeEndpoints" . | quote }}
- name: PGHA_STORE_PREFIX
  value: {{ .Values.store.prefix | quote }}
- name: PGHA_STORE_TIMEOUT
  value: {{ .Values.store.timeout | quote }}
{{- if .Values.store.tls.secretName }}
- name: PGHA_STORE_TLS_CA_FILE
  value: /etc/pgha/store-tls/ca.crt
- name: PGHA_STORE_TLS_CERT_FILE
  value: /etc/pgha/store-tls/tls.crt
- name: PGHA_STORE_TLS_KEY_FILE
  value: /etc/pgha/store-tls/tls.key
{{- end }}
{{- if .Values.store.consul.tokenSecretName }}
- name: PGHA_STORE_CONSUL_TOKEN_FILE
  value: /etc/pgha/consul/token
{{- end }}
{{- end -}}

{{/* Volumes and mounts for the store's TLS files and Consul token, when configured. */}}
{{- define "pgha.storeVolumeMounts" -}}
{{- if .Values.store.tls.secretName }}
- name: store-tls
  mountPath: /etc/pgha/store-tls
  readOnly: true
{{- end }}
{{- if .Values.store.consul.tokenSecretName }}
- name: consul-token
  mountPath: /etc/pgha/consul
  readOnly: true
{{- end }}
{{- end -}}

{{- define "pgha.storeVolumes" -}}
{{- if .Values.store.tls.secretName }}
- name: store-tls
  secret:
    secretName: {{ .Values.store.tls.secretName }}
    defaultMode: 0400
{{- end }}
{{- if .Values.store.consul.tokenSecretName }}
- name: consul-token
  secret:
    secretName: {{ .Values.store.consul.tokenSecretName }}
    defaultMode: 0400
{{- end }}
{{- end -}}

{{/* JVM sized from the container's memory limit. */}}
{{- define "pgha.javaOpts" -}}
- name: JAVA_TOOL_OPTIONS
  value: {{ printf "-XX:MaxRAMPercentage=%v -XX:+ExitOnOutOfMemoryError" .percentage | quote }}
{{- end -}}

{{/* Probes on the Actuator groups of a service listening on the named port "http". */}}
{{- define "pgha.probes" -}}
startupProbe:
  httpGet: {path: /actuator/health/liveness, port: http}
  periodSeconds: 2
  failureThreshold: 60
livenessProbe:
  httpGet: {path: /actuator/health/liveness, port: http}
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
readinessProbe:
  httpGet: {path: /actuator/health/readiness, port: http}
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 2
{{- end -}}

{{- define "pgha.podAnnotations" -}}
{{- if .root.Values.metrics.podAnnotations }}
prometheus.io/scrape: "true"
prometheus.io/path: /actuator/prometheus
prometheus.io/port: {{ .port | quote }}
{{- end }}
{{- end -}}

{{/* Secret names: given, or the chart's own. */}}
{{- define "pgha.keeperSecret" -}}
{{- default (include "pgha.name" (dict "root" . "component" "keeper")) .Values.keeper.existingSecret -}}
{{- end -}}
{{- define "pgha.adminSecret" -}}
{{- default (include "pgha.name" (dict "root" . "component" "admin")) .Values.admin.existingSecret -}}
{{- end -}}
