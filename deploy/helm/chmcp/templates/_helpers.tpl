{{/* Names and labels. */}}
{{- define "chmcp.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "chmcp.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "chmcp.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "chmcp.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "chmcp.selectorLabels" -}}
app.kubernetes.io/name: {{ include "chmcp.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "chmcp.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "chmcp.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "chmcp.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "chmcp.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "chmcp.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "chmcp.fullname" .)) }}
{{- end }}

{{/* chmcp.lookup: the value at a dotted path in a map, as text ("" when absent). */}}
{{- define "chmcp.lookup" -}}
{{- $v := index . 0 -}}
{{- range $k := splitList "." (index . 1) -}}
{{- if kindIs "map" $v }}{{ $v = get $v $k }}{{ else }}{{ $v = "" }}{{ end -}}
{{- end -}}
{{- if not (empty $v) }}{{ toJson $v }}{{ end -}}
{{- end }}

{{/*
chmcp.wiring decides, from `config` and `secrets`, what the pod gets:
  config: the chmcp config file (config + the chart's server settings + the
          *_file keys of the mounted secrets)
  files:  Secret keys mounted under /etc/chmcp/secrets
  env:    Secret keys passed as environment variables {key: VARIABLE}
  optional: true when the Secret is yours (existingSecret): env keys may be absent
It fails, naming the value, on a secret in `config`, a missing secret, or
OAuth with an in-memory store on several replicas.
Use: include "chmcp.wiring" . | fromYaml
*/}}
{{- define "chmcp.wiring" -}}
{{- $cfg := deepCopy (.Values.config | default dict) -}}
{{- $s := .Values.secrets -}}
{{- $own := not (empty $s.existingSecret) -}}
{{- /* Secrets belong in `secrets`, not in a ConfigMap. */ -}}
{{- range $path := list "clickhouse.password" "clickhouse.cluster_secret" "clickhouse.cluster_secret_file" "server.oauth.signing_key" "server.oauth.signing_key_file" "server.oauth.upstream.client_secret" "server.oauth.upstream.client_secret_file" "server.jwe.secret_key" "server.jwe.secret_key_file" "server.jwe.jwt_secret_key" "server.jwe.mint_admin_key" -}}
{{- if not (empty (include "chmcp.lookup" (list $cfg $path))) -}}
{{- fail (printf "config.%s: secrets do not go in the ConfigMap; set them under `secrets` (see values.yaml), the chart mounts them" $path) -}}
{{- end -}}
{{- end -}}
{{- range $path := list "server.transport" "server.address" "server.port" "server.metrics" -}}
{{- if not (empty (include "chmcp.lookup" (list $cfg $path))) -}}
{{- fail (printf "config.%s: set by the chart (the probes and the Service depend on it); use service.targetPort and metrics.* instead" $path) -}}
{{- end -}}
{{- end -}}
{{- $ch := get $cfg "clickhouse" | default dict -}}
{{- $server := get $cfg "server" | default dict -}}
{{- $oauth := get $server "oauth" | default dict -}}
{{- $jwe := get $server "jwe" | default dict -}}
{{- $files := dict -}}
{{- $env := dict -}}
{{- $dir := "/etc/chmcp/secrets" -}}
{{- /* Static credentials: the password, when there is one. */ -}}
{{- if or $s.clickhousePassword $own -}}
{{- $_ := set $env "clickhouse-password" "CLICKHOUSE_PASSWORD" -}}
{{- end -}}
{{- if get $ch "cluster_name" -}}
{{- if not (or $s.clusterSecret $own) -}}
{{- fail "secrets.clusterSecret: required with config.clickhouse.cluster_name (the cluster's interserver secret)" -}}
{{- end -}}
{{- $_ := set $files "cluster-secret" true -}}
{{- $_ := set $ch "cluster_secret_file" (printf "%s/cluster-secret" $dir) -}}
{{- end -}}
{{- if get $oauth "enabled" -}}
{{- if not (or $s.oauthSigningKey $own) -}}
{{- fail "secrets.oauthSigningKey: required with config.server.oauth.enabled (>= 32 bytes, the same on every replica)" -}}
{{- end -}}
{{- if not (or $s.oauthClientSecret $own) -}}
{{- fail "secrets.oauthClientSecret: required with config.server.oauth.enabled (chmcp's client secret at the upstream provider)" -}}
{{- end -}}
{{- if and (or .Values.autoscaling.enabled (gt (int .Values.replicaCount) 1)) (ne (get $oauth "store" | default "memory") "clickhouse") -}}
{{- fail "config.server.oauth.store: must be clickhouse with more than one replica (used codes and refresh tokens are shared; docs/oauth.md#several-replicas)" -}}
{{- end -}}
{{- $_ := set $files "oauth-signing-key" true -}}
{{- $_ := set $files "oauth-client-secret" true -}}
{{- $_ := set $oauth "signing_key_file" (printf "%s/oauth-signing-key" $dir) -}}
{{- $up := get $oauth "upstream" | default dict -}}
{{- $_ := set $up "client_secret_file" (printf "%s/oauth-client-secret" $dir) -}}
{{- $_ := set $oauth "upstream" $up -}}
{{- $_ := set $server "oauth" $oauth -}}
{{- end -}}
{{- if get $jwe "enabled" -}}
{{- if not (or $s.jweSecretKey $own) -}}
{{- fail "secrets.jweSecretKey: required with config.server.jwe.enabled (>= 32 bytes)" -}}
{{- end -}}
{{- $_ := set $files "jwe-secret-key" true -}}
{{- $_ := set $jwe "secret_key_file" (printf "%s/jwe-secret-key" $dir) -}}
{{- if or $s.jwtSecretKey $own -}}
{{- $_ := set $env "jwt-secret-key" "MCP_JWT_SECRET_KEY" -}}
{{- end -}}
{{- if and (get $jwe "mint_enabled") (or $s.jweMintAdminKey $own) -}}
{{- $_ := set $env "jwe-mint-admin-key" "MCP_JWE_MINT_ADMIN_KEY" -}}
{{- end -}}
{{- $_ := set $server "jwe" $jwe -}}
{{- end -}}
{{- /* The chart owns how the server listens: probes and the Service point there. */ -}}
{{- $_ := set $server "transport" "http" -}}
{{- $_ := set $server "address" "0.0.0.0" -}}
{{- $_ := set $server "port" (int .Values.service.targetPort) -}}
{{- if .Values.metrics.enabled -}}
{{- $_ := set $server "metrics" (dict "enabled" true "address" (printf "0.0.0.0:%d" (int .Values.metrics.port))) -}}
{{- end -}}
{{- $_ := set $cfg "clickhouse" $ch -}}
{{- $_ := set $cfg "server" $server -}}
{{- toYaml (dict "config" $cfg "files" $files "env" $env "optional" $own) -}}
{{- end }}

{{/* chmcp.probe: a probe from values, over HTTPS when chmcp serves TLS (server.tls.enabled). */}}
{{- define "chmcp.probe" -}}
{{- $root := index . 0 -}}
{{- $probe := deepCopy (index . 1) -}}
{{- if and $probe.httpGet (include "chmcp.lookup" (list $root.Values.config "server.tls.enabled")) -}}
{{- $_ := set $probe.httpGet "scheme" "HTTPS" -}}
{{- end -}}
{{- toYaml $probe -}}
{{- end }}
